import Foundation
import HTTP
import HomelabCore

/// A cluster node. PVE nodes are installed, not created through the API: "create" checks that
/// the node is there, and "delete" only stops managing it.
enum NodeResource: ProxmoxResource {
    static let type = ProxmoxTypes.node

    static func read(_ prior: Value, api: ProxmoxClient) async throws -> Value? {
        let name = try prior.requireString("name")
        let nodes = try await api.get("/nodes").arrayValue ?? []
        guard nodes.contains(where: { $0["node"]?.stringValue == name }) else { return nil }
        return ["name": .string(name), "address": prior["address"] ?? .null]
    }

    static func create(
        _ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        created: @escaping @Sendable (Value) throws -> Void
    ) async throws -> Value {
        guard let node = try await read(desired, api: api) else {
            throw ProviderError.failed("node '\(try desired.requireString("name"))' is not part of the cluster at \(api.baseURL)")
        }
        return node
    }

    static func update(
        from prior: Value, to desired: Value, changed: Set<String>, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    )
        async throws -> Value
    {
        try await create(desired, api: api, progress: progress, created: { _ in })
    }

    static func delete(_ prior: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
        progress("no longer managed (a PVE node is not deleted through the API)")
    }

    static func importResource(id: String, desired: Value, api: ProxmoxClient) async throws -> Value? {
        try await read(desired.with("name", .string(id)), api: api)
    }
}

/// A Linux bridge in the node's network configuration. Changes are written to the pending
/// `interfaces.new` and then applied with `ifreload -a` (a task), as the PVE UI does.
enum BridgeResource: ProxmoxResource {
    static let type = ProxmoxTypes.bridge

    static func path(_ attributes: Value) throws -> String { "/nodes/\(try attributes.requireString("node"))/network" }

    static func read(_ prior: Value, api: ProxmoxClient) async throws -> Value? {
        let name = try prior.requireString("name")
        guard let interface = try await api.getIfPresent("\(try path(prior))/\(name)") else { return nil }
        let optional = { (text: String?) in text.map(Value.string) ?? .null }
        return [
            "node": .string(try prior.requireString("node")), "name": .string(name),
            "ports": .strings((interface["bridge_ports"]?.stringValue ?? "").split(separator: " ").map(String.init)),
            "address": optional(interface["cidr"]?.stringValue), "gateway": optional(interface["gateway"]?.stringValue),
            "vlanAware": .bool(interface["bridge_vlan_aware"]?.lenientInt == 1), "comment": optional(interface["comments"]?.stringValue),
        ]
    }

    /// Creates the bridge, or takes over one that exists (every PVE install has `vmbr0`).
    static func create(
        _ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        created: @escaping @Sendable (Value) throws -> Void
    ) async throws -> Value {
        let exists = try await read(desired, api: api) != nil
        try await write(desired, exists: exists, api: api, progress: progress)
        guard let bridge = try await read(desired, api: api) else { throw ProviderError.failed("bridge vanished after it was written") }
        return bridge
    }

    private static func write(_ desired: Value, exists: Bool, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void)
        async throws
    {
        let name = try desired.requireString("name")
        var parameters: [(String, ProxmoxClient.Parameter)] = [("type", .string("bridge"))]
        var deletions: [String] = []
        let ports = (desired["ports"]?.arrayValue ?? []).compactMap(\.stringValue)
        if ports.isEmpty {
            deletions.append("bridge_ports")
        } else {
            parameters.append(("bridge_ports", .string(ports.joined(separator: " "))))
        }
        if let address = desired["address"]?.stringValue { parameters.append(("cidr", .string(address))) } else { deletions.append("cidr") }
        if let gateway = desired["gateway"]?.stringValue {
            parameters.append(("gateway", .string(gateway)))
        } else {
            deletions.append("gateway")
        }
        parameters.append(("bridge_vlan_aware", .bool(desired["vlanAware"]?.boolValue == true)))
        if let comment = desired["comment"]?.stringValue {
            parameters.append(("comments", .string(comment)))
        } else {
            deletions.append("comments")
        }
        parameters.append(("autostart", .bool(true)))
        if exists {
            if !deletions.isEmpty { parameters.append(("delete", .string(deletions.joined(separator: ",")))) }
            try await api.put("\(try path(desired))/\(name)", parameters)
        } else {
            try await api.post(try path(desired), [("iface", .string(name))] + parameters)
        }
        progress("applying the network configuration (ifreload -a)")
        try await api.runTask(.put, try path(desired), progress: progress)
    }

    static func update(
        from prior: Value, to desired: Value, changed: Set<String>, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    )
        async throws -> Value
    {
        try await write(desired, exists: true, api: api, progress: progress)
        guard let bridge = try await read(desired, api: api) else { throw ProviderError.failed("bridge vanished after it was written") }
        return bridge
    }

    static func delete(_ prior: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
        guard try await api.deleteIfPresent("\(try path(prior))/\(try prior.requireString("name"))") else { return }
        try await api.runTask(.put, try path(prior), progress: progress)
    }

    /// `node/vmbr0`.
    static func importResource(id: String, desired: Value, api: ProxmoxClient) async throws -> Value? {
        let parts = id.split(separator: "/")
        guard parts.count == 2 else { throw ProviderError.failed("a bridge is imported as node/name, such as pve/vmbr0, not '\(id)'") }
        return try await read(desired.with("node", .string(String(parts[0]))).with("name", .string(String(parts[1]))), api: api)
    }
}

/// A storage pool (datacenter storage configuration), restricted to its node.
enum StorageResource: ProxmoxResource {
    static let type = ProxmoxTypes.storage

    static func read(_ prior: Value, api: ProxmoxClient) async throws -> Value? {
        let id = try prior.requireString("id")
        guard let storage = try await api.getIfPresent("/storage/\(id)") else { return nil }
        var settings: [String: Value] = [:]
        for key in (prior["settings"]?.objectValue ?? [:]).keys { settings[key] = storage[key]?.lenientString.map(Value.string) ?? .null }
        let content = (storage["content"]?.stringValue ?? "").split(separator: ",").map(String.init)
        let priorContent = (prior["content"]?.arrayValue ?? []).compactMap(\.stringValue)
        return [
            "node": prior["node"] ?? .null, "id": .string(id), "type": .string(storage["type"]?.stringValue ?? ""),
            "content": .strings(Set(content) == Set(priorContent) ? priorContent : content), "settings": .object(settings),
        ]
    }

    static func create(
        _ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        created: @escaping @Sendable (Value) throws -> Void
    ) async throws -> Value {
        var parameters: [(String, ProxmoxClient.Parameter)] = [
            ("storage", .string(try desired.requireString("id"))), ("type", .string(try desired.requireString("type"))),
            ("nodes", .string(try desired.requireString("node"))),
        ]
        parameters += shared(desired)
        try await api.post("/storage", parameters)
        guard let storage = try await read(desired, api: api) else { throw ProviderError.failed("storage vanished after it was created") }
        return storage
    }

    private static func shared(_ desired: Value) -> [(String, ProxmoxClient.Parameter)] {
        var parameters: [(String, ProxmoxClient.Parameter)] = []
        let content = (desired["content"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !content.isEmpty { parameters.append(("content", .string(content.joined(separator: ",")))) }
        for (key, value) in (desired["settings"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let text = value.stringValue { parameters.append((key, .string(text))) }
        }
        return parameters
    }

    static func update(
        from prior: Value, to desired: Value, changed: Set<String>, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    )
        async throws -> Value
    {
        // `path` and the like are fixed at creation; PVE refuses to change them.
        let fixed: Set<String> = ["path", "vgname", "thinpool", "pool", "server", "export"]
        try await api.put("/storage/\(try desired.requireString("id"))", shared(desired).filter { !fixed.contains($0.0) })
        guard let storage = try await read(desired, api: api) else { throw ProviderError.failed("storage vanished during the update") }
        return storage
    }

    static func delete(_ prior: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
        _ = try await api.deleteIfPresent("/storage/\(try prior.requireString("id"))")
    }

    static func importResource(id: String, desired: Value, api: ProxmoxClient) async throws -> Value? {
        try await read(desired.with("id", .string(id)), api: api)
    }
}

/// A cluster PCI resource mapping. VMs use it as `hostpciN: mapping=<id>`, the only route to
/// passthrough for API tokens (which are never root@pam).
enum PCIMappingResource: ProxmoxResource {
    static let type = ProxmoxTypes.pciMapping

    static func read(_ prior: Value, api: ProxmoxClient) async throws -> Value? {
        let name = try prior.requireString("name")
        guard let mapping = try await api.getIfPresent("/cluster/mapping/pci/\(name)") else { return nil }
        let node = try prior.requireString("node")
        let entries = (mapping["map"]?.arrayValue ?? []).compactMap(\.stringValue).map(PropertyString.init)
        let entry = entries.first { $0["node"] == node } ?? entries.first
        return [
            "name": .string(name), "node": .string(entry?["node"] ?? node), "path": entry?["path"].map(Value.string) ?? .null,
            "description": mapping["description"]?.stringValue.map(Value.string) ?? .null,
            "deviceID": entry?["id"].map(Value.string) ?? .null,
            "iommuGroup": entry?["iommugroup"].flatMap { Int($0) }.map(Value.int) ?? .null,
        ]
    }

    /// The `map` entry for this node, with the vendor:device id and IOMMU group the host reports.
    private static func mapEntry(_ desired: Value, api: ProxmoxClient) async throws -> String {
        let node = try desired.requireString("node")
        let path = try desired.requireString("path")
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

    static func create(
        _ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        created: @escaping @Sendable (Value) throws -> Void
    ) async throws -> Value {
        var parameters: [(String, ProxmoxClient.Parameter)] = [
            ("id", .string(try desired.requireString("name"))), ("map", .list([try await mapEntry(desired, api: api)])),
        ]
        if let description = desired["description"]?.stringValue { parameters.append(("description", .string(description))) }
        try await api.post("/cluster/mapping/pci", parameters)
        guard let mapping = try await read(desired, api: api) else {
            throw ProviderError.failed("PCI mapping vanished after it was created")
        }
        return mapping
    }

    static func update(
        from prior: Value, to desired: Value, changed: Set<String>, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    )
        async throws -> Value
    {
        var parameters: [(String, ProxmoxClient.Parameter)] = [("map", .list([try await mapEntry(desired, api: api)]))]
        if let description = desired["description"]?.stringValue { parameters.append(("description", .string(description))) }
        try await api.put("/cluster/mapping/pci/\(try desired.requireString("name"))", parameters)
        guard let mapping = try await read(desired, api: api) else { throw ProviderError.failed("PCI mapping vanished during the update") }
        return mapping
    }

    static func delete(_ prior: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
        _ = try await api.deleteIfPresent("/cluster/mapping/pci/\(try prior.requireString("name"))")
    }

    static func importResource(id: String, desired: Value, api: ProxmoxClient) async throws -> Value? {
        try await read(desired.with("name", .string(id)), api: api)
    }
}
