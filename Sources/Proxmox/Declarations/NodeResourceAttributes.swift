import HomelabCore

/// A cluster node's attributes (``Node``, ``NodeResource``).
public struct NodeAttributes: Codable, Sendable, Equatable {
    public var name: String
    public var address: String?
    enum CodingKeys: String, CodingKey { case name, address }
}

/// A Linux bridge's attributes (``Bridge``, ``BridgeResource``).
public struct BridgeAttributes: Codable, Sendable, Equatable {
    public var node: String
    public var name: String
    public var ports: [String]
    public var address: String?
    public var gateway: String?
    public var vlanAware: Bool
    public var comment: String?
    enum CodingKeys: String, CodingKey { case node, name, ports, address, gateway, vlanAware, comment }
}

/// A storage pool's attributes (``Storage``, ``StorageResource``).
public struct StorageAttributes: Codable, Sendable, Equatable {
    public var node: String?
    public var id: String
    public var type: String
    public var content: [String]
    /// Type-specific settings (`path`, `server`, ...); read back as `nil` when PVE has none.
    public var settings: [String: String?]
    enum CodingKeys: String, CodingKey { case node, id, type, content, settings }
}

/// A PCI resource mapping's attributes (``PCIMapping``, ``PCIMappingResource``).
public struct PCIMappingAttributes: Codable, Sendable, Equatable {
    public var name: String
    public var node: String
    public var path: String?
    public var description: String?
    /// Vendor and device, and the IOMMU group, as the host reports them at apply.
    public var deviceID: Computed<String?>
    public var iommuGroup: Computed<Int?>
    enum CodingKeys: String, CodingKey { case name, node, path, description, deviceID, iommuGroup }
}
