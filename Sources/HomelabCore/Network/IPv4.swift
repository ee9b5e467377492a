/// An IPv4 address, parsed strictly (four decimal octets, no leading zeros).
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: UInt32

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                part == "0" || !part.hasPrefix("0"), let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        self.value = value
    }

    public init(value: UInt32) { self.value = value }

    public var description: String {
        [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xFF) }.joined(separator: ".")
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }
}

/// An interface address with its prefix, such as `192.168.10.50/24`.
public struct IPv4Interface: Sendable, Hashable, CustomStringConvertible {
    public var address: IPv4Address
    public var prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])),
            parts[1].allSatisfy(\.isNumber), let prefix = Int(parts[1]), (0...32).contains(prefix)
        else { return nil }
        self.address = address
        self.prefixLength = prefix
    }

    public var mask: UInt32 { prefixLength == 0 ? 0 : UInt32.max << UInt32(32 - prefixLength) }
    public var network: IPv4Address { IPv4Address(value: address.value & mask) }

    /// Whether `other` is in the same subnet.
    public func contains(_ other: IPv4Address) -> Bool { other.value & mask == address.value & mask }

    /// Whether the address is the network itself, as a network CIDR (`10.244.0.0/16`) must be.
    public var isNetworkAddress: Bool { address == network }

    /// The last address of the network.
    public var broadcast: IPv4Address { IPv4Address(value: network.value | ~mask) }

    /// Whether the two networks share an address.
    public func overlaps(_ other: IPv4Interface) -> Bool { contains(other.network) || other.contains(network) }

    public var description: String { "\(address)/\(prefixLength)" }
}
