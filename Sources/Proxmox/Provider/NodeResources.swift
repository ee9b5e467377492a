import Foundation
import HTTP
import HomelabCore

/// A cluster node. PVE nodes are installed, not created through the API: "create" checks that
/// the node is there, and "delete" only stops managing it.
enum NodeResource: ResourceHandler {
    static let type = ProxmoxTypes.node

    static func read(_ request: TypedRead<NodeAttributes>, using api: ProxmoxClient) async throws -> NodeAttributes? {
        try await read(request.prior, api: api)
    }

    static func read(_ prior: NodeAttributes, api: ProxmoxClient) async throws -> NodeAttributes? {
        let nodes = try await api.get("/nodes").arrayValue ?? []
        return nodes.contains(where: { $0["node"]?.stringValue == prior.name }) ? prior : nil
    }

    static func create(_ request: TypedCreate<NodeAttributes>, using api: ProxmoxClient) async throws -> NodeAttributes {
        guard let node = try await read(request.desired, api: api) else {
            throw ProviderError.failed("node '\(request.desired.name)' is not part of the cluster at \(api.baseURL)")
        }
        return node
    }

    static func update(_ request: TypedUpdate<NodeAttributes>, using api: ProxmoxClient) async throws -> NodeAttributes {
        guard let node = try await read(request.desired, api: api) else {
            throw ProviderError.failed("node '\(request.desired.name)' is not part of the cluster at \(api.baseURL)")
        }
        return node
    }

    static func delete(_ request: TypedDelete<NodeAttributes>, using api: ProxmoxClient) async throws {
        request.progress("no longer managed (a PVE node is not deleted through the API)")
    }

    static func importResource(_ request: TypedImport<NodeAttributes>, using api: ProxmoxClient) async throws -> NodeAttributes? {
        try await read(NodeAttributes(name: request.id, address: request.desired?.address), api: api)
    }
}

/// A Linux bridge in the node's network configuration. Changes are written to the pending
/// `interfaces.new` and then applied with `ifreload -a` (a task), as the PVE UI does.
enum BridgeResource: ResourceHandler {
    static let type = ProxmoxTypes.bridge

    static func path(_ bridge: BridgeAttributes) -> String { "/nodes/\(bridge.node)/network" }

    static func read(_ request: TypedRead<BridgeAttributes>, using api: ProxmoxClient) async throws -> BridgeAttributes? {
        try await read(node: request.prior.node, name: request.prior.name, api: api)
    }

    static func read(node: String, name: String, api: ProxmoxClient) async throws -> BridgeAttributes? {
        guard let interface = try await api.getIfPresent("/nodes/\(node)/network/\(name)") else { return nil }
        return BridgeAttributes(
            node: node, name: name, ports: (interface["bridge_ports"]?.stringValue ?? "").split(separator: " ").map(String.init),
            address: interface["cidr"]?.stringValue, gateway: interface["gateway"]?.stringValue,
            vlanAware: interface["bridge_vlan_aware"]?.lenientInt == 1, comment: interface["comments"]?.stringValue)
    }

    /// Creates the bridge, or takes over one that exists (every PVE install has `vmbr0`).
    static func create(_ request: TypedCreate<BridgeAttributes>, using api: ProxmoxClient) async throws -> BridgeAttributes {
        let desired = request.desired
        let exists = try await read(node: desired.node, name: desired.name, api: api) != nil
        return try await write(desired, exists: exists, api: api, progress: request.progress)
    }

    static func update(_ request: TypedUpdate<BridgeAttributes>, using api: ProxmoxClient) async throws -> BridgeAttributes {
        try await write(request.desired, exists: true, api: api, progress: request.progress)
    }

    private static func write(
        _ desired: BridgeAttributes, exists: Bool, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    ) async throws -> BridgeAttributes {
        var parameters: [(String, ProxmoxClient.Parameter)] = [("type", .string("bridge"))]
        var deletions: [String] = []
        func set(_ key: String, _ text: String?) {
            if let text, !text.isEmpty { parameters.append((key, .string(text))) } else { deletions.append(key) }
        }
        set("bridge_ports", desired.ports.joined(separator: " "))
        set("cidr", desired.address)
        set("gateway", desired.gateway)
        parameters.append(("bridge_vlan_aware", .bool(desired.vlanAware)))
        set("comments", desired.comment)
        parameters.append(("autostart", .bool(true)))
        if exists {
            if !deletions.isEmpty { parameters.append(("delete", .string(deletions.joined(separator: ",")))) }
            try await api.put("\(path(desired))/\(desired.name)", parameters)
        } else {
            try await api.post(path(desired), [("iface", .string(desired.name))] + parameters)
        }
        progress("applying the network configuration (ifreload -a)")
        try await api.runTask(.put, path(desired), progress: progress)
        guard let bridge = try await read(node: desired.node, name: desired.name, api: api) else {
            throw ProviderError.failed("bridge vanished after it was written")
        }
        return bridge
    }

    static func delete(_ request: TypedDelete<BridgeAttributes>, using api: ProxmoxClient) async throws {
        let prior = request.prior
        guard try await api.deleteIfPresent("\(path(prior))/\(prior.name)") else { return }
        try await api.runTask(.put, path(prior), progress: request.progress)
    }

    /// `node/vmbr0`.
    static func importResource(_ request: TypedImport<BridgeAttributes>, using api: ProxmoxClient) async throws -> BridgeAttributes? {
        let parts = request.id.split(separator: "/")
        guard parts.count == 2 else {
            throw ProviderError.failed("a bridge is imported as node/name, such as pve/vmbr0, not '\(request.id)'")
        }
        return try await read(node: String(parts[0]), name: String(parts[1]), api: api)
    }
}

/// A storage pool (datacenter storage configuration), restricted to its node.
enum StorageResource: ResourceHandler {
    static let type = ProxmoxTypes.storage

    static func read(_ request: TypedRead<StorageAttributes>, using api: ProxmoxClient) async throws -> StorageAttributes? {
        try await read(request.prior, api: api)
    }

    static func read(_ prior: StorageAttributes, api: ProxmoxClient) async throws -> StorageAttributes? {
        guard let storage = try await api.getIfPresent("/storage/\(prior.id)") else { return nil }
        var settings: [String: String?] = [:]
        for key in prior.settings.keys { settings[key] = storage[key]?.lenientString }
        let content = (storage["content"]?.stringValue ?? "").split(separator: ",").map(String.init)
        return StorageAttributes(
            node: prior.node, id: prior.id, type: storage["type"]?.stringValue ?? "",
            content: Set(content) == Set(prior.content) ? prior.content : content, settings: settings)
    }

    static func create(_ request: TypedCreate<StorageAttributes>, using api: ProxmoxClient) async throws -> StorageAttributes {
        let desired = request.desired
        var parameters: [(String, ProxmoxClient.Parameter)] = [("storage", .string(desired.id)), ("type", .string(desired.type))]
        if let node = desired.node { parameters.append(("nodes", .string(node))) }
        try await api.post("/storage", parameters + shared(desired))
        guard let storage = try await read(desired, api: api) else { throw ProviderError.failed("storage vanished after it was created") }
        return storage
    }

    private static func shared(_ desired: StorageAttributes) -> [(String, ProxmoxClient.Parameter)] {
        var parameters: [(String, ProxmoxClient.Parameter)] = []
        if !desired.content.isEmpty { parameters.append(("content", .string(desired.content.joined(separator: ",")))) }
        for (key, value) in desired.settings.sorted(by: { $0.key < $1.key }) {
            if let value { parameters.append((key, .string(value))) }
        }
        return parameters
    }

    static func update(_ request: TypedUpdate<StorageAttributes>, using api: ProxmoxClient) async throws -> StorageAttributes {
        // `path` and the like are fixed at creation; PVE refuses to change them.
        let fixed: Set<String> = ["path", "vgname", "thinpool", "pool", "server", "export"]
        let desired = request.desired
        try await api.put("/storage/\(desired.id)", shared(desired).filter { !fixed.contains($0.0) })
        guard let storage = try await read(desired, api: api) else { throw ProviderError.failed("storage vanished during the update") }
        return storage
    }

    static func delete(_ request: TypedDelete<StorageAttributes>, using api: ProxmoxClient) async throws {
        _ = try await api.deleteIfPresent("/storage/\(request.prior.id)")
    }

    static func importResource(_ request: TypedImport<StorageAttributes>, using api: ProxmoxClient) async throws -> StorageAttributes? {
        var prior = request.desired ?? StorageAttributes(node: nil, id: request.id, type: "", content: [], settings: [:])
        prior.id = request.id
        return try await read(prior, api: api)
    }
}

/// A cluster PCI resource mapping. VMs use it as `hostpciN: mapping=<id>`, the only route to
/// passthrough for API tokens (which are never root@pam).
enum PCIMappingResource: ResourceHandler {
    static let type = ProxmoxTypes.pciMapping

    static func read(_ request: TypedRead<PCIMappingAttributes>, using api: ProxmoxClient) async throws -> PCIMappingAttributes? {
        try await read(name: request.prior.name, node: request.prior.node, api: api)
    }

    static func read(name: String, node: String, api: ProxmoxClient) async throws -> PCIMappingAttributes? {
        guard let mapping = try await api.getIfPresent("/cluster/mapping/pci/\(name)") else { return nil }
        let entries = (mapping["map"]?.arrayValue ?? []).compactMap(\.stringValue).map(PropertyString.init)
        let entry = entries.first { $0["node"] == node } ?? entries.first
        return PCIMappingAttributes(
            name: name, node: entry?["node"] ?? node, path: entry?["path"], description: mapping["description"]?.stringValue,
            deviceID: .known(entry?["id"]), iommuGroup: .known(entry?["iommugroup"].flatMap { Int($0) }))
    }

    /// The `map` entry for this node, with the vendor:device id and IOMMU group the host reports.
    private static func mapEntry(_ desired: PCIMappingAttributes, api: ProxmoxClient) async throws -> String {
        let node = desired.node
        guard let path = desired.path else { throw ProviderError.failed("PCI mapping \(desired.name) has no device path") }
        let devices = try await api.get("/nodes/\(node)/hardware/pci").arrayValue ?? []
        guard let device = devices.first(where: { $0["id"]?.stringValue == path }) else {
            throw ProviderError.failed("node \(node) has no PCI device \(path)")
        }
        let vendor = (device["vendor"]?.stringValue ?? "").replacingOccurrences(of: "0x", with: "")
        let model = (device["device"]?.stringValue ?? "").replacingOccurrences(of: "0x", with: "")
        var entry = "node=\(node),path=\(path),id=\(vendor):\(model)"
        if let group = device["iommugroup"]?.lenientInt { entry += ",iommugroup=\(group)" }
        return entry
    }

    static func create(_ request: TypedCreate<PCIMappingAttributes>, using api: ProxmoxClient) async throws -> PCIMappingAttributes {
        let desired = request.desired
        var parameters: [(String, ProxmoxClient.Parameter)] = [
            ("id", .string(desired.name)), ("map", .list([try await mapEntry(desired, api: api)])),
        ]
        if let description = desired.description { parameters.append(("description", .string(description))) }
        try await api.post("/cluster/mapping/pci", parameters)
        guard let mapping = try await read(name: desired.name, node: desired.node, api: api) else {
            throw ProviderError.failed("PCI mapping vanished after it was created")
        }
        return mapping
    }

    static func update(_ request: TypedUpdate<PCIMappingAttributes>, using api: ProxmoxClient) async throws -> PCIMappingAttributes {
        let desired = request.desired
        var parameters: [(String, ProxmoxClient.Parameter)] = [("map", .list([try await mapEntry(desired, api: api)]))]
        if let description = desired.description { parameters.append(("description", .string(description))) }
        try await api.put("/cluster/mapping/pci/\(desired.name)", parameters)
        guard let mapping = try await read(name: desired.name, node: desired.node, api: api) else {
            throw ProviderError.failed("PCI mapping vanished during the update")
        }
        return mapping
    }

    static func delete(_ request: TypedDelete<PCIMappingAttributes>, using api: ProxmoxClient) async throws {
        _ = try await api.deleteIfPresent("/cluster/mapping/pci/\(request.prior.name)")
    }

    static func importResource(_ request: TypedImport<PCIMappingAttributes>, using api: ProxmoxClient) async throws
        -> PCIMappingAttributes?
    {
        try await read(name: request.id, node: request.desired?.node ?? "", api: api)
    }
}
