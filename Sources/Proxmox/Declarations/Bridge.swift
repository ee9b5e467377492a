import HomelabCore

/// A Linux bridge on a node (`vmbr0`), with its ports and optional address. Its settings are a
/// ``BridgeAttributes`` (each named once, there), read as members: `bridge.ports`.
@dynamicMemberLookup
public struct Bridge: NodeContent {
    /// The node is filled in at compile.
    public var settings: BridgeAttributes
    public var location: SourceLocation

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<BridgeAttributes, T>) -> T {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    public init(
        _ name: String,
        ports: [String] = [],
        address: String? = nil,
        gateway: String? = nil,
        vlanAware: Bool = false,
        comment: String? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        settings = BridgeAttributes(
            node: "", name: name, ports: ports, address: address, gateway: gateway, vlanAware: vlanAware, comment: comment)
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on node: NodeContext, into graph: inout GraphBuilder) {
        let (name, gateway) = (settings.name, settings.gateway)
        let address = ResourceAddress(kind: "bridge", name: "\(node.name)/\(name)")
        if !name.hasPrefix("vmbr") || Int(name.dropFirst(4)) == nil {
            graph.error("\(address): PVE bridge names are vmbrN (such as vmbr0), not '\(name)'", at: location, address: address)
        }
        if let ip = settings.address {
            _ = ProxmoxValidation.checkAddress(ip: ip, gateway: gateway, of: address, at: location, into: &graph)
        } else if gateway != nil {
            graph.error("\(address): a gateway needs an address on the bridge", at: location, address: address)
        }
        var attributes = settings
        attributes.node = node.name
        graph.add(
            ResourceSpec(
                address: address,
                type: ProxmoxTypes.bridge,
                attributes: attributes,
                location: location,
                references: [node.reference(at: location)],
                providerConfiguration: node.proxmox.configurationKey
            )
        )
    }
}

/// A storage pool (`local-lvm`, an NFS share) available on a node.
public struct Storage: NodeContent {
    public enum Kind: String, Sendable {
        case dir, lvmthin, lvm, nfs, zfspool
    }
    public var id: String
    public var kind: Kind
    public var content: [String]
    public var settings: [String: String]
    public var location: SourceLocation

    public init(
        _ id: String,
        kind: Kind,
        content: [String],
        settings: [String: String] = [:],
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.id = id
        self.kind = kind
        self.content = content
        self.settings = settings
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on node: NodeContext, into graph: inout GraphBuilder) {
        let address = ResourceAddress(kind: "storage", name: "\(node.name)/\(id)")
        ProxmoxValidation.checkName(id, what: "storage", at: location, into: &graph)
        let known: Set<String> = ["images", "rootdir", "vztmpl", "backup", "iso", "snippets", "import"]
        for item in content where !known.contains(item) {
            graph.error(
                "\(address): unknown storage content '\(item)'; use \(known.sorted().joined(separator: ", "))", at: location,
                address: address)
        }
        graph.add(
            ResourceSpec(
                address: address,
                type: ProxmoxTypes.storage,
                attributes: StorageAttributes(
                    node: node.name, id: id, type: kind.rawValue, content: content, settings: settings.mapValues { $0 }),
                location: location,
                references: [node.reference(at: location)],
                providerConfiguration: node.proxmox.configurationKey
            )
        )
    }
}

/// A PCI resource mapping (Datacenter → Resource Mappings), used by VMs for passthrough. Its
/// settings are a ``PCIMappingAttributes``, read as members: `mapping.path`.
@dynamicMemberLookup
public struct PCIMapping: NodeContent {
    /// The node is filled in at compile; the device's IDs are read at apply.
    public var settings: PCIMappingAttributes
    public var location: SourceLocation

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<PCIMappingAttributes, T>) -> T {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    public init(
        _ name: String,
        path: String,
        description: String? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        settings = PCIMappingAttributes(
            name: name, node: "", path: path, description: description, deviceID: .unknown, iommuGroup: .unknown)
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on node: NodeContext, into graph: inout GraphBuilder) {
        let name = settings.name
        let address = ResourceAddress(kind: "pci", name: name)
        ProxmoxValidation.checkName(name, what: "PCI mapping", at: location, into: &graph)
        if !Self.isPCIPath(settings.path ?? "") {
            graph.error("\(address): '\(settings.path ?? "")' is not a PCI address such as 0000:00:02.0", at: location, address: address)
        }
        var attributes = settings
        attributes.node = node.name
        graph.add(
            ResourceSpec(
                address: address,
                type: ProxmoxTypes.pciMapping,
                attributes: attributes,
                location: location,
                references: [node.reference(at: location)],
                providerConfiguration: node.proxmox.configurationKey
            )
        )
    }

    /// `DDDD:BB:DD.F` in hexadecimal.
    static func isPCIPath(_ path: String) -> Bool {
        let parts = path.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2 else { return false }
        let slot = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard slot.count == 2, slot[0].count == 2, slot[1].count == 1 else { return false }
        return [parts[0], parts[1], slot[0], slot[1]].allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
