import HomelabCore
import HostConfig

/// Checks shared by the Proxmox declarations; each reports at the user's line.
enum ProxmoxValidation {
    /// PVE accepts VMIDs from 100 to 999999999.
    static let vmidRange = 100...999_999_999

    static func checkName(_ name: String, what: String, at location: SourceLocation, into graph: inout GraphBuilder) {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }
        if name.isEmpty || !allowed {
            graph.error("\(what) name '\(name)' must be non-empty and use only letters, digits, '-', '.' and '_'", at: location)
        }
    }

    static func checkVMID(_ vmid: Int, of address: ResourceAddress, at location: SourceLocation, into graph: inout GraphBuilder) {
        if !vmidRange.contains(vmid) {
            graph.error("\(address): VMID \(vmid) is outside Proxmox's range 100...999999999", at: location, address: address)
        }
    }

    /// Each key is one OpenSSH public key line, as cloud-init writes it into authorized_keys.
    static func checkPublicKeys(
        _ keys: [String], _ what: String, of address: ResourceAddress, at location: SourceLocation, into graph: inout GraphBuilder
    ) {
        for (index, key) in keys.enumerated() {
            guard let problem = SSHPublicKey.problem(in: key) else { continue }
            graph.error("\(address): \(what)[\(index)] is not an OpenSSH public key: \(problem)", at: location, address: address)
        }
    }

    static func checkPositive(
        _ value: Int, _ what: String, of address: ResourceAddress, at location: SourceLocation,
        into graph: inout GraphBuilder
    ) {
        if value <= 0 { graph.error("\(address): \(what) must be positive, not \(value)", at: location, address: address) }
    }

    static func checkSize(
        _ size: ByteSize, _ what: String, of address: ResourceAddress, at location: SourceLocation,
        into graph: inout GraphBuilder
    ) {
        if size.isOverflow {
            graph.error("\(address): \(what) is too large to represent (over 8 EiB)", at: location, address: address)
        } else if size.bytes <= 0 {
            graph.error("\(address): \(what) must be positive, not \(size.bytes) bytes", at: location, address: address)
        }
    }

    /// PVE's smallest VM memory: the `memory` property's `current` minimum in the API schema (16 MiB).
    static let minimumMemory = ByteSize.mib(16)

    /// VM and template names are PVE `dns-name`s (pve-common `pve_verify_dns_name`: labels of
    /// letters, digits and inner '-', joined by '.'); cloud-init also makes the name the hostname,
    /// so labels are held to DNS's 63 characters and the whole to 253.
    static func checkDNSName(
        _ name: String, what: String, of address: ResourceAddress, at location: SourceLocation, into graph: inout GraphBuilder
    ) {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            name.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
        if !valid {
            let shown = name.count > 40 ? String(name.prefix(40)) + "… (\(name.count) characters)" : name
            graph.error(
                "\(address): \(what) name '\(ResourceAddress.printable(shown))' is not a DNS name PVE accepts: labels of 1 to 63 letters, digits and inner '-', joined by '.', at most 253 characters",
                at: location, address: address)
        }
    }

    /// The checks every VM-like declaration (templates and VMs) needs: name, VMID, cores and sizes.
    static func checkMachine(
        name: String, what: String, vmid: Int, cores: Int, memory: ByteSize, disk: ByteSize,
        of address: ResourceAddress, at location: SourceLocation, into graph: inout GraphBuilder
    ) {
        checkDNSName(name, what: what, of: address, at: location, into: &graph)
        checkVMID(vmid, of: address, at: location, into: &graph)
        checkPositive(cores, "cores", of: address, at: location, into: &graph)
        checkSize(memory, "memory", of: address, at: location, into: &graph)
        if !memory.isOverflow, memory.bytes > 0, memory < minimumMemory {
            graph.error("\(address): memory \(memory) is below PVE's minimum of 16 MiB", at: location, address: address)
        }
        checkSize(disk, "disk", of: address, at: location, into: &graph)
        for (size, what) in [(memory, "memory"), (disk, "disk")] where !size.isOverflow && size.bytes > 0 && !size.isWholeMebibytes {
            graph.error("\(address): \(what) of \(size.bytes) bytes is not a whole number of MiB", at: location, address: address)
        }
    }

    /// Parses `ip` as CIDR and checks that `gateway` is in its subnet.
    static func checkAddress(
        ip: String, gateway: String?, of address: ResourceAddress, at location: SourceLocation,
        into graph: inout GraphBuilder
    ) -> IPv4Interface? {
        guard let interface = IPv4Interface(ip) else {
            graph.error("\(address): '\(ip)' is not an IPv4 address with prefix, such as 192.168.10.50/24", at: location, address: address)
            return nil
        }
        if let gateway {
            if let gatewayAddress = IPv4Address(gateway) {
                if !interface.contains(gatewayAddress) {
                    graph.error(
                        "\(address): gateway \(gateway) is outside the subnet \(interface.network)/\(interface.prefixLength) of \(ip)",
                        at: location, address: address)
                }
            } else {
                graph.error("\(address): gateway '\(gateway)' is not an IPv4 address", at: location, address: address)
            }
        }
        return interface
    }
}
