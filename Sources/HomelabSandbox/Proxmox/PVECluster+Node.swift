import HomelabCore

/// Node-level state: network interfaces (pending until applied), storages, PCI mappings, tasks.
extension PVECluster {
    // MARK: Network

    /// What `GET /nodes/{node}/network` shows: the pending file when there is one.
    private func interfaces(_ node: String) -> [String: [String: String]] { pendingNetwork[node] ?? network[node] ?? [:] }

    /// pve-manager `PVE/API2/Network.pm` (read, update and delete of an interface):
    /// `raise_param_exc({ iface => "interface does not exist" })` — a 400 "Parameter verification
    /// failed." whose `errors.iface` says so, not a 404 or a 500.
    private static func interfaceMissing() -> PVEAPIFailure { .parameters(["iface": "interface does not exist"]) }

    func listNetwork(_ node: String, type: String?) throws -> Value {
        try requireNode(node)
        let items = interfaces(node).sorted { $0.key < $1.key }.filter { type == nil || $0.value["type"] == type }
        return .array(items.map { name, settings in Self.interfaceValue(name, settings) })
    }

    func interface(_ node: String, _ name: String) throws -> Value {
        try requireNode(node)
        guard let settings = interfaces(node)[name] else { throw Self.interfaceMissing() }
        return Self.interfaceValue(name, settings)
    }

    private static func interfaceValue(_ name: String, _ settings: [String: String]) -> Value {
        var members: [String: Value] = ["iface": .string(name)]
        for (key, value) in settings {
            members[key] = ["active", "autostart", "bridge_vlan_aware"].contains(key) ? .int(Int(value) ?? 0) : .string(value)
        }
        return .object(members)
    }

    private static let interfaceKeys = ["type", "bridge_ports", "bridge_vlan_aware", "cidr", "gateway", "autostart", "comments", "mtu"]

    /// pve-manager `PVE/API2/Network.pm` `create_network`: `raise_param_exc({ iface => "interface
    /// already exists" })`; writing the file, pve-common `PVE/INotify.pm`
    /// (`__write_etc_network_interfaces`) dies "bridge '<name>' - unable to find bridge port '<p>'",
    /// a plain 500. PVE does not restrict bridge names to `vmbrN` here.
    func createInterface(_ parameters: PVEParameters) throws -> Value {
        try requireNode(parameters.node)
        let name = try parameters.require("iface")
        let type = try parameters.require("type")
        var pending = interfaces(parameters.node)
        if pending[name] != nil { throw PVEAPIFailure.parameters(["iface": "interface already exists"]) }
        var settings: [String: String] = ["type": type, "method": "manual"]
        for key in Self.interfaceKeys { if let value = parameters.string(key) { settings[key] = value } }
        if let ports = settings["bridge_ports"] {
            for port in ports.split(separator: " ") where pending[String(port)] == nil {
                throw PVEAPIFailure.server("bridge '\(name)' - unable to find bridge port '\(port)'")
            }
        }
        if settings["cidr"] != nil { settings["method"] = "static" }
        pending[name] = settings
        pendingNetwork[parameters.node] = pending
        return .null
    }

    func updateInterface(_ parameters: PVEParameters) throws -> Value {
        try requireNode(parameters.node)
        let name = try parameters.require("iface")
        _ = try parameters.require("type")
        var pending = interfaces(parameters.node)
        guard var settings = pending[name] else { throw Self.interfaceMissing() }
        for key in Self.interfaceKeys { if let value = parameters.string(key) { settings[key] = value } }
        for key in (parameters.string("delete") ?? "").split(separator: ",") { settings[String(key)] = nil }
        settings["method"] = settings["cidr"] == nil ? "manual" : "static"
        pending[name] = settings
        pendingNetwork[parameters.node] = pending
        return .null
    }

    func deleteInterface(_ parameters: PVEParameters) throws -> Value {
        try requireNode(parameters.node)
        let name = try parameters.require("iface")
        var pending = interfaces(parameters.node)
        guard pending[name] != nil else { throw Self.interfaceMissing() }
        pending[name] = nil
        pendingNetwork[parameters.node] = pending
        return .null
    }

    /// `PUT /nodes/{node}/network`: `ifreload -a` in a task.
    func applyNetwork(_ parameters: PVEParameters, fault: PVEFault.Kind?) throws -> Value {
        let node = parameters.node
        try requireNode(node)
        return .string(
            startTask(
                node: node, type: "srvreload", id: "networking", user: parameters.user, duration: configuration.taskDurations.networkReload,
                fault: fault
            ) {
                cluster in
                if let pending = cluster.pendingNetwork[node] {
                    cluster.network[node] = pending.mapValues { settings in settings.merging(["active": "1"]) { _, new in new } }
                    cluster.pendingNetwork[node] = nil
                }
                return ["ifreload -a"]
            }
        )
    }

    func revertNetwork(_ node: String) throws -> Value {
        try requireNode(node)
        pendingNetwork[node] = nil
        return .null
    }

    // MARK: Storage

    private static let storageKeys = [
        "type", "content", "path", "nodes", "shared", "disable", "server", "export", "thinpool", "vgname", "pool",
    ]

    func listStorage(type: String?) -> Value {
        .array(
            storages.sorted { $0.key < $1.key }.filter { type == nil || $0.value["type"] == type }.map { id, settings in
                var members = settings.mapValues(Value.string)
                members["storage"] = .string(id)
                members["digest"] = .string(Self.digest(settings))
                return .object(members)
            })
    }

    // Storage answers follow pve-storage `PVE/API2/Storage/Config.pm`: a missing ID is
    // `PVE::Storage::storage_config`'s "storage '<id>' does not exist" (500); create dies "storage ID
    // '<id>' already defined" under the "create storage failed" lock message; the parameter checks
    // (`path` of a dir storage, `type` on update) are pve-common `PVE/JSONSchema.pm`'s own texts for
    // the plugin's create and update schemas.

    func storage(_ id: String) throws -> Value {
        guard let settings = storages[id] else { throw PVEAPIFailure.server("storage '\(id)' does not exist") }
        var members = settings.mapValues(Value.string)
        members["storage"] = .string(id)
        members["digest"] = .string(Self.digest(settings))
        return .object(members)
    }

    func createStorage(_ parameters: PVEParameters) throws -> Value {
        let id = try parameters.require("storage")
        let type = try parameters.require("type")
        if storages[id] != nil { throw PVEAPIFailure.server("create storage failed: storage ID '\(id)' already defined") }
        if type == "dir" && parameters.string("path") == nil {
            throw PVEAPIFailure.parameters(["path": "property is missing and it is not optional"])
        }
        var settings: [String: String] = ["storage": id]
        for key in Self.storageKeys { if let value = parameters.string(key) { settings[key] = value } }
        storages[id] = settings
        return ["storage": .string(id), "type": .string(type)]
    }

    func updateStorage(_ parameters: PVEParameters) throws -> Value {
        let id = try parameters.require("storage")
        guard var settings = storages[id] else { throw PVEAPIFailure.server("storage '\(id)' does not exist") }
        if parameters.string("type") != nil {
            throw PVEAPIFailure.parameters(["type": "property is not defined in schema and the schema does not allow additional properties"]
            )
        }
        for key in Self.storageKeys { if let value = parameters.string(key) { settings[key] = value } }
        for key in (parameters.string("delete") ?? "").split(separator: ",") { settings[String(key)] = nil }
        storages[id] = settings
        return ["storage": .string(id), "type": .string(settings["type"] ?? "")]
    }

    func deleteStorage(_ id: String) throws -> Value {
        guard storages.removeValue(forKey: id) != nil else { throw PVEAPIFailure.server("storage '\(id)' does not exist") }
        return .null
    }

    func nodeStorage(_ node: String) throws -> Value {
        try requireNode(node)
        return .array(
            storages.sorted { $0.key < $1.key }.map { id, settings in
                [
                    "storage": .string(id), "type": .string(settings["type"] ?? ""), "content": .string(settings["content"] ?? ""),
                    "active": 1, "enabled": 1, "shared": .int(Int(settings["shared"] ?? "0") ?? 0),
                    "total": .int(500 << 30), "used": .int(40 << 30), "avail": .int(460 << 30),
                ]
            })
    }

    /// `POST /nodes/{node}/storage/{storage}/download-url`: the file appears when the task ends.
    /// pve-storage `PVE/API2/Storage/Status.pm` checks the content type ("storage '<id>' does not
    /// support content-type '<ct>'", as `PVE/Storage.pm` words it); the worker's pve-common
    /// `PVE::Tools::download_file_from_url` fails the task with "checksum mismatch: got '<sum>' !=
    /// expect '<sum>'".
    /// The simulator has no internet: it knows the checksums of ``PVESimulatorConfiguration/downloads``.
    func downloadURL(_ parameters: PVEParameters, fault: PVEFault.Kind?) throws -> Value {
        let storage = try parameters.require("storage")
        let url = try parameters.require("url")
        let filename = try parameters.require("filename")
        let content = try parameters.require("content")
        guard let settings = storages[storage] else { throw PVEAPIFailure.server("storage '\(storage)' does not exist") }
        guard (settings["content"] ?? "").split(separator: ",").contains(Substring(content)) else {
            throw PVEAPIFailure.server("storage '\(storage)' does not support content-type '\(content)'")
        }
        let checksum = parameters.string("checksum")
        let known = configuration.downloads[url]
        return .string(
            startTask(
                node: parameters.node, type: "download", id: storage, user: parameters.user, duration: configuration.taskDurations.download,
                fault: fault
            ) {
                cluster in
                guard let known else { throw PVEAPIFailure.server("download failed: 404 Not Found") }
                if let checksum, checksum.lowercased() != known.lowercased() {
                    throw PVEAPIFailure.server("checksum mismatch: got '\(known)' != expect '\(checksum)'")
                }
                cluster.volumes.insert("\(storage):\(content)/\(filename)")
                return ["downloading \(url) to \(storage):\(content)/\(filename)", "download of '\(url)' finished"]
            }
        )
    }

    func storageContent(_ node: String, _ storage: String) throws -> Value {
        try requireNode(node)
        guard storages[storage] != nil else { throw PVEAPIFailure.server("storage '\(storage)' does not exist") }
        return .array(volumes.filter { $0.hasPrefix(storage + ":") }.sorted().map { ["volid": .string($0), "size": .int(3 << 30)] })
    }

    // MARK: PCI

    func hardwarePCI(_ node: String) throws -> Value {
        try requireNode(node)
        return .array(
            configuration.pciDevices.map { device in
                [
                    "id": .string(device.id), "class": "0x030000", "vendor": .string(device.vendor), "device": .string(device.device),
                    "iommugroup": .int(device.iommuGroup), "device_name": .string(device.name),
                ]
            })
    }

    func listMappings() -> Value {
        .array(
            mappings.sorted { $0.key < $1.key }.map { id, mapping in
                var members: [String: Value] = ["id": .string(id), "map": .strings(mapping.map)]
                if let description = mapping.description { members["description"] = .string(description) }
                return .object(members)
            })
    }

    // The answers below follow pve-manager `PVE/API2/Cluster/Mapping/PCI.pm`.

    /// `get`: `die "mapping '$id' not found\n"` — a 500 whose message is all there is.
    func mapping(_ id: String) throws -> Value {
        guard let mapping = mappings[id] else { throw PVEAPIFailure.server("mapping '\(id)' not found") }
        var members: [String: Value] = ["id": .string(id), "map": .strings(mapping.map), "type": "pci"]
        if let description = mapping.description { members["description"] = .string(description) }
        return .object(members)
    }

    func createMapping(_ parameters: PVEParameters) throws -> Value {
        let id = try parameters.require("id")
        // `create`: `die "pci ID '$id' already defined\n"`.
        if mappings[id] != nil { throw PVEAPIFailure.server("pci ID '\(id)' already defined") }
        mappings[id] = (parameters.string("description"), try checkedMap(parameters))
        return .null
    }

    func updateMapping(_ parameters: PVEParameters) throws -> Value {
        let id = try parameters.require("id")
        // `update`: `die "pci ID '$id' does not exist\n"`.
        guard let current = mappings[id] else { throw PVEAPIFailure.server("pci ID '\(id)' does not exist") }
        let map = parameters.values["map"] == nil ? current.map : try checkedMap(parameters)
        mappings[id] = (parameters.string("description") ?? current.description, map)
        return .null
    }

    /// `delete`: removes the entry if there is one and writes the config: a missing one is no error.
    func deleteMapping(_ id: String) throws -> Value {
        mappings.removeValue(forKey: id)
        return .null
    }

    /// Each `map` entry names a node and a PCI path that exist: pve-cluster's `PVE::Mapping::PCI`
    /// format check (`assert_valid_map_list`), answered as a parameter error on `map`.
    private func checkedMap(_ parameters: PVEParameters) throws -> [String] {
        guard let entries = parameters.values["map"], !entries.isEmpty else {
            throw PVEAPIFailure.parameters(["map": "property is missing and it is not optional"])
        }
        for entry in entries {
            let fields = Dictionary(
                entry.split(separator: ",").compactMap { item -> (String, String)? in
                    let pair = item.split(separator: "=", maxSplits: 1)
                    return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
                }
            ) { _, last in last }
            guard let node = fields["node"], let path = fields["path"] else {
                throw PVEAPIFailure.parameters(["map": "invalid format - missing 'node' or 'path'"])
            }
            try requireNode(node)
            guard configuration.pciDevices.contains(where: { $0.id == path || $0.id.hasPrefix(path + ".") }) else {
                throw PVEAPIFailure.parameters(["map": "PCI device '\(path)' does not exist on node '\(node)'"])
            }
        }
        return entries
    }

    // MARK: Tasks

    /// pve-manager `PVE/API2/Tasks.pm`: a task whose log file does not exist is "no such task".
    func taskStatus(_ upid: String) throws -> Value {
        guard let task = tasks[upid] else { throw PVEAPIFailure.parameters(["upid": "no such task"]) }
        var members: [String: Value] = [
            "upid": .string(upid), "node": .string(task.node), "type": .string(task.type), "id": .string(task.id),
            "user": .string(task.user), "starttime": .int(task.startTime), "pid": .int(4096), "pstart": .int(28672),
            "status": task.exitStatus == nil ? "running" : "stopped",
        ]
        if let exit = task.exitStatus { members["exitstatus"] = .string(exit) }
        return .object(members)
    }

    func taskLog(_ upid: String) throws -> (Value, total: Int) {
        guard let task = tasks[upid] else { throw PVEAPIFailure.parameters(["upid": "no such task"]) }
        let lines = task.log.isEmpty ? ["task running"] : task.log
        return (.array(lines.enumerated().map { ["n": .int($0.offset + 1), "t": .string($0.element)] }), lines.count)
    }
}
