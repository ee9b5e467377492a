/// A size in bytes, written `.mib(8192)` or `.gib(32)` so every line stays a plain literal.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    public static func mib(_ value: Int) -> ByteSize { scaled(value, 1_048_576) }
    public static func gib(_ value: Int) -> ByteSize { scaled(value, 1_073_741_824) }
    public static func tib(_ value: Int) -> ByteSize { scaled(value, 1_099_511_627_776) }

    /// A size too large for 64 bits: declarations refuse it at validate time instead of trapping.
    public static let overflow = ByteSize(bytes: Int64.max)
    public var isOverflow: Bool { bytes == Int64.max }

    private static func scaled(_ value: Int, _ unit: Int64) -> ByteSize {
        let (bytes, overflowed) = Int64(value).multipliedReportingOverflow(by: unit)
        return overflowed ? overflow : ByteSize(bytes: bytes)
    }

    public var mebibytes: Int { Int(bytes / 1_048_576) }
    public var gibibytes: Int { Int(bytes / 1_073_741_824) }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    /// Whether the size is a whole number of MiB (what PVE stores exactly).
    public var isWholeMebibytes: Bool { bytes % 1_048_576 == 0 }

    /// The size as PVE writes it in a drive's `size=`: in the largest unit that divides it exactly
    /// (`32G`, `3584M`), as pve-storage's `format_size` does; exact, never rounded.
    public var pveSize: String {
        for (unit, suffix) in [(Int64(1_099_511_627_776), "T"), (1_073_741_824, "G"), (1_048_576, "M"), (1024, "K")]
        where bytes != 0 && bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return String(bytes)
    }

    /// Reads a PVE size (`32G`, `3584M`, `1.5T`, `512K`, or bytes): `nil` when it is not one or
    /// does not fit in 64 bits.
    public init?(pveSize text: some StringProtocol) {
        let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var number = Substring(text)
        var unit = 1.0
        if let last = number.last, let scale = units[last] {
            unit = scale
            number = number.dropLast()
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(number) else {
            return nil
        }
        let bytes = (value * unit).rounded()
        guard bytes >= 0, bytes < 9.2e18 else { return nil }
        self.init(bytes: Int64(bytes))
    }

    public var description: String {
        if bytes % 1_073_741_824 == 0 { return "\(gibibytes) GiB" }
        return "\(mebibytes) MiB"
    }
}

/// In attributes a size is its exact PVE string (`32G`, `3584M`): what a drive's `size=` says.
extension ByteSize: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let size = ByteSize(pveSize: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a PVE size"))
        }
        self = size
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(pveSize)
    }
}
