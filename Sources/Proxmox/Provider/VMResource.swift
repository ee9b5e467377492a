import Foundation
import HTTP
import HomelabCore

/// A VM: a full clone of a template, configured through one `PUT …/config` (CPU, memory, network,
/// cloud-init, PCI mappings, tags), its disk grown to size, then started.
enum VMResource: ProxmoxResource {
    /// Attributes applied through `PUT …/config` (the rest need their own calls).
    static let configAttributes: Set<String> = [
        "name", "cores", "sockets", "cpuType", "memory", "bridge", "ip", "gateway", "nameservers", "searchDomain",
        "user", "sshKeys", "tags", "pci", "vga", "agent", "onBoot", "description", "cloudInitCustom",
    ]
    static let cloudInitAttributes: Set<String> = ["ip", "gateway", "nameservers", "searchDomain", "user", "sshKeys", "cloudInitCustom"]

    static func path(_ attributes: Value) throws -> String {
        "/nodes/\(try attributes.requireString("node"))/qemu/\(try attributes.requireInt("vmid"))"
    }

    // MARK: Create

    static func create(
        _ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        created: @escaping @Sendable (Value) throws -> Void
    ) async throws -> Value {
        let node = try desired.requireString("node")
        let vmid = try desired.requireInt("vmid")
        let templateVMID: Int
        if let known = desired["templateVMID"]?.intValue {
            templateVMID = known
        } else if let template = desired["template"]?.stringValue {
            templateVMID = try await resolveTemplate(template, node: node, api: api)
        } else {
            throw ProviderError.failed("VM \(vmid) has no template to clone; VMs are created as clones (`from:`)")
        }
        try await clone(templateVMID, to: vmid, desired: desired, api: api, progress: progress) { try created(desired) }
        let current = try await unlockedConfig("/nodes/\(node)/qemu/\(vmid)", api: api, progress: progress)
        try await api.put("/nodes/\(node)/qemu/\(vmid)/config", configParameters(desired, changed: nil, current: current))
        try await resize(desired, current: current, api: api, progress: progress)
        if desired["started"]?.boolValue == true {
            try await power("start", "/nodes/\(node)/qemu/\(vmid)", api: api, progress: progress)
        }
        // The engine reads the VM back and compares it with the description.
        return desired
    }

    /// Starts, shuts down or stops the VM; a VM already in that state counts as done. PVE fails a
    /// start task of a running VM ("VM <id> already running", qemu-server `vm_start`) but treats a
    /// stop or shutdown of a stopped VM as done (`vm_stop` returns when no process runs).
    static func power(_ action: String, _ base: String, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
        progress(action == "start" ? "starting" : action == "shutdown" ? "shutting down" : "stopping")
        do {
            try await api.runTask(.post, "\(base)/status/\(action)", progress: progress)
        } catch let error as ProxmoxAPIError where action == "start" && error.message.contains("already running") {
            progress("already running")
        }
    }

    /// The VM's config once no other task holds its lock (`lock: clone` while an interrupted
    /// run's clone still copies the disk): PVE refuses config changes and deletes of a locked VM
    /// ("VM is locked (clone)", `check_lock` in qemu-server) rather than waiting itself.
    static func unlockedConfig(_ base: String, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws
        -> Value
    {
        let deadline = ContinuousClock.now + api.options.taskTimeout
        var config = try await api.get("\(base)/config")
        var announced = false
        while let lock = config["lock"]?.stringValue {
            if !announced { progress("waiting for the VM's lock (\(lock)) to be released") }
            announced = true
            guard ContinuousClock.now < deadline else {
                throw ProviderError.failed("\(base) is still locked (\(lock)) after \(api.options.taskTimeout)")
            }
            try await Task.sleep(for: api.options.firstPollInterval * 4)
            config = try await api.get("\(base)/config")
        }
        return config
    }

    /// A template the description does not declare (`.existing("name")`), found by name on the node.
    static func resolveTemplate(_ name: String, node: String, api: ProxmoxClient) async throws -> Int {
        let vms = try await api.get("/nodes/\(node)/qemu").arrayValue ?? []
        guard let match = vms.first(where: { $0["name"]?.stringValue == name && $0["template"]?.lenientInt == 1 }),
            let vmid = match["vmid"]?.lenientInt
        else { throw ProviderError.failed("no template named '\(name)' on node \(node)") }
        return vmid
    }

    /// Clones, retrying a clone whose task lost the race for the storage lock (after removing what
    /// it left), and refusing a VMID that something else already uses.
    static func clone(
        _ source: Int, to vmid: Int, desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        started: () throws -> Void
    )
        async throws
    {
        let node = try desired.requireString("node")
        let parameters: [(String, ProxmoxClient.Parameter)] = [
            ("newid", .int(vmid)), ("name", .string(try desired.requireString("name"))), ("full", .bool(true)),
            ("storage", .string(try desired.requireString("diskStorage"))),
        ]
        var attempt = 1
        while true {
            progress("cloning template \(source)")
            do {
                try await api.runTask(.post, "/nodes/\(node)/qemu/\(source)/clone", parameters, progress: progress) { _ in
                    try started()
                }
                return
            } catch let error as ProxmoxAPIError where error.kind == .alreadyExists {
                let owner = try? await api.get("/nodes/\(node)/qemu/\(vmid)/config")
                throw ProviderError.failed(
                    "VMID \(vmid) is already used on node \(node) by '\(owner?["name"]?.lenientString ?? "another VM")'; "
                        + "choose another vmid, or bring that VM under management with `import vm.<name> \(node)/\(vmid)`"
                )
            } catch let error as ProxmoxAPIError where error.isCloneRace && attempt < api.options.attempts {
                progress("clone lost a lock race (\(error.message)); retrying")
                // A failed clone may leave its half-made VM: remove it before trying again.
                if (try? await api.get("/nodes/\(node)/qemu/\(vmid)/status/current")) != nil {
                    _ = try? await api.runTask(.delete, "/nodes/\(node)/qemu/\(vmid)", [("purge", .bool(true))], progress: progress)
                }
                try await Task.sleep(for: api.options.retryDelay * (1 << min(attempt, 4)))
                attempt += 1
            }
        }
    }

    /// Everything `PUT …/config` sets, for all managed keys (`changed == nil`) or only changed ones.
    static func configParameters(_ desired: Value, changed: Set<String>?, current: Value) throws -> [(String, ProxmoxClient.Parameter)] {
        func wants(_ attribute: String) -> Bool { changed?.contains(attribute) ?? true }
        var parameters: [(String, ProxmoxClient.Parameter)] = []
        var deletions: [String] = []
        if wants("name") { parameters.append(("name", .string(try desired.requireString("name")))) }
        if wants("cores") { parameters.append(("cores", .int(try desired.requireInt("cores")))) }
        if wants("sockets") { parameters.append(("sockets", .int(try desired.requireInt("sockets")))) }
        if wants("cpuType") { parameters.append(("cpu", .string(try desired.requireString("cpuType")))) }
        if wants("memory") { parameters.append(("memory", .int(try desired.requireInt("memory")))) }
        if wants("bridge") {
            // Keep the MAC the clone was given; only the bridge is ours.
            let mac = current["net0"]?.stringValue.flatMap { PropertyString($0)["virtio"] }
            parameters.append(("net0", .string("virtio\(mac.map { "=\($0)" } ?? ""),bridge=\(try desired.requireString("bridge"))")))
        }
        if wants("agent") { parameters.append(("agent", .string("enabled=\(desired["agent"]?.boolValue == true ? 1 : 0)"))) }
        if wants("vga") { parameters.append(("vga", .string(try desired.requireString("vga")))) }
        if wants("onBoot") { parameters.append(("onboot", .bool(desired["onBoot"]?.boolValue == true))) }
        if wants("tags") {
            let tags = (desired["tags"]?.arrayValue ?? []).compactMap(\.stringValue)
            if tags.isEmpty { deletions.append("tags") } else { parameters.append(("tags", .string(tags.joined(separator: ";")))) }
        }
        if wants("description") {
            if let description = desired["description"]?.stringValue {
                parameters.append(("description", .string(description)))
            } else {
                deletions.append("description")
            }
        }
        if wants("ip") || wants("gateway") {
            var ipconfig = "ip=\(try desired.requireString("ip"))"
            if let gateway = desired["gateway"]?.stringValue { ipconfig += ",gw=\(gateway)" }
            parameters.append(("ipconfig0", .string(ipconfig)))
        }
        if wants("nameservers") {
            let servers = (desired["nameservers"]?.arrayValue ?? []).compactMap(\.stringValue)
            if servers.isEmpty {
                deletions.append("nameserver")
            } else {
                parameters.append(("nameserver", .string(servers.joined(separator: " "))))
            }
        }
        if wants("searchDomain") {
            if let domain = desired["searchDomain"]?.stringValue {
                parameters.append(("searchdomain", .string(domain)))
            } else {
                deletions.append("searchdomain")
            }
        }
        if wants("user") {
            if let user = desired["user"]?.stringValue { parameters.append(("ciuser", .string(user))) } else { deletions.append("ciuser") }
        }
        if wants("sshKeys") {
            let keys = (desired["sshKeys"]?.arrayValue ?? []).compactMap(\.stringValue)
            if keys.isEmpty {
                deletions.append("sshkeys")
            } else {
                parameters.append(("sshkeys", .string(PVEFormEncoder.sshKeysValue(keys))))
            }
        }
        if wants("cloudInitCustom") {
            if let custom = desired["cloudInitCustom"]?.stringValue {
                parameters.append(("cicustom", .string(custom)))
            } else {
                deletions.append("cicustom")
            }
        }
        if wants("pci") {
            let mappings = (desired["pci"]?.arrayValue ?? []).compactMap(\.stringValue)
            for (index, mapping) in mappings.enumerated() { parameters.append(("hostpci\(index)", .string("mapping=\(mapping)"))) }
            let existing = (current.objectValue ?? [:]).keys.filter { $0.hasPrefix("hostpci") }
            for key in existing where (Int(key.dropFirst("hostpci".count)) ?? 0) >= mappings.count { deletions.append(key) }
        }
        // A clone keeps its template's cloud-init drive; add one when the template had none.
        if changed == nil, !(current.objectValue ?? [:]).values.contains(where: { $0.stringValue?.contains("-cloudinit") == true }) {
            parameters.append(("ide2", .string("\(try desired.requireString("diskStorage")):cloudinit")))
        }
        if !deletions.isEmpty { parameters.append(("delete", .string(deletions.sorted().joined(separator: ",")))) }
        return parameters
    }

    /// Grows the boot disk to the declared size, exactly (PVE sizes such as `3584M`). PVE cannot
    /// shrink a disk: that is an error naming both sizes.
    static func resize(_ desired: Value, current: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
        let declared = try desired.requireString("disk")
        guard let wanted = ByteSize(pveSize: declared) else { throw ProviderError.failed("disk size '\(declared)' is not a PVE size") }
        guard let disk = bootDisk(current) else { return }
        let size = current[disk]?.stringValue.flatMap(Self.size) ?? ByteSize(bytes: 0)
        guard wanted != size else { return }
        if wanted < size {
            throw ProviderError.failed(
                "disk \(disk) is \(size.pveSize) and PVE cannot shrink disks; declare at least \(size.pveSize) or replace the VM")
        }
        progress("resizing \(disk) to \(wanted.pveSize)")
        try await api.runTask(
            .put, "\(try path(desired))/resize", [("disk", .string(disk)), ("size", .string(wanted.pveSize))], progress: progress)
    }

    static func bootDisk(_ config: Value) -> String? {
        let keys = (config.objectValue ?? [:]).keys
        return ["scsi0", "virtio0", "sata0", "ide0"].first { key in
            keys.contains(key) && config[key]?.stringValue?.contains("media=cdrom") == false
        }
    }

    /// The `size=` of a drive's property string, exactly.
    static func size(_ volume: String) -> ByteSize? { PropertyString(volume)["size"].flatMap { ByteSize(pveSize: $0) } }

    // MARK: Read

    static func read(_ prior: Value, api: ProxmoxClient) async throws -> Value? {
        let vmid = try prior.requireInt("vmid")
        // /cluster/resources tells whether the VM exists and on which node.
        let resources = try await api.get("/cluster/resources", [("type", .string("vm"))]).arrayValue ?? []
        guard let entry = resources.first(where: { $0["vmid"]?.lenientInt == vmid && $0["type"]?.stringValue == "qemu" }),
            let node = entry["node"]?.stringValue
        else { return nil }
        if entry["template"]?.lenientInt == 1 { return nil }
        let config = try await api.get("/nodes/\(node)/qemu/\(vmid)/config")
        let status = try await api.get("/nodes/\(node)/qemu/\(vmid)/status/current")
        return attributes(config: config, running: status["status"]?.stringValue == "running", node: node, vmid: vmid, prior: prior)
    }

    /// The declaration's attributes, as the real VM has them.
    static func attributes(config: Value, running: Bool, node: String, vmid: Int, prior: Value) -> Value {
        let net = config["net0"]?.stringValue.map(PropertyString.init)
        let ipconfig = config["ipconfig0"]?.stringValue.map(PropertyString.init)
        let disk = bootDisk(config)
        let volume = disk.flatMap { config[$0]?.stringValue } ?? ""
        let memory = config["memory"]?.lenientString.map { PropertyString($0)["current"] ?? PropertyString($0).defaultValue ?? $0 }
        let tags = (config["tags"]?.stringValue ?? "").split(whereSeparator: { $0 == ";" || $0 == "," || $0 == " " }).map(String.init)
        let priorTags = (prior["tags"]?.arrayValue ?? []).compactMap(\.stringValue)
        // PVE sorts tags; the declared order wins when the set is the same.
        let orderedTags = Set(tags.map { $0.lowercased() }) == Set(priorTags.map { $0.lowercased() }) ? priorTags : tags
        let keys = (config["sshkeys"]?.stringValue?.removingPercentEncodingOrSelf ?? "").split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        let pci = (0..<16).compactMap { config["hostpci\($0)"]?.stringValue.flatMap { PropertyString($0)["mapping"] } }
        let agent = config["agent"]?.lenientString.map { PropertyString($0)["enabled"] ?? PropertyString($0).defaultValue ?? "0" }
        let optional = { (text: String?) in text.map(Value.string) ?? .null }
        return [
            "node": .string(node), "name": optional(config["name"]?.lenientString), "vmid": .int(vmid),
            "template": prior["template"] ?? .null, "templateVMID": prior["templateVMID"] ?? .null,
            "cores": .int(config["cores"]?.lenientInt ?? 1), "sockets": .int(config["sockets"]?.lenientInt ?? 1),
            "cpuType": .string(
                config["cpu"]?.stringValue.map { PropertyString($0)["cputype"] ?? PropertyString($0).defaultValue ?? $0 } ?? "kvm64"),
            "memory": .int(memory.flatMap { Int($0) } ?? 512),
            "disk": .string(size(volume)?.pveSize ?? "0"),
            "diskStorage": .string(volume.split(separator: ":").first.map(String.init) ?? ""),
            "bridge": optional(net?["bridge"]), "ip": optional(ipconfig?["ip"]), "gateway": optional(ipconfig?["gw"]),
            "nameservers": .strings((config["nameserver"]?.stringValue ?? "").split(separator: " ").map(String.init)),
            "searchDomain": optional(config["searchdomain"]?.stringValue), "user": optional(config["ciuser"]?.stringValue),
            "sshKeys": .strings(keys), "tags": .strings(orderedTags), "pci": .strings(pci),
            "vga": .string(config["vga"]?.stringValue ?? "std"), "agent": .bool(["1", "on", "yes", "true"].contains(agent ?? "0")),
            "onBoot": .bool(config["onboot"]?.lenientInt == 1), "started": .bool(running),
            "description": optional(config["description"]?.stringValue),
            "mac": optional(net?["virtio"]), "cloudInitCustom": optional(config["cicustom"]?.stringValue),
        ]
    }

    // MARK: Update

    static func update(
        from prior: Value, to desired: Value, changed: Set<String>, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    )
        async throws -> Value
    {
        let base = try path(desired)
        let current = try await unlockedConfig(base, api: api, progress: progress)
        let configChanges = changed.intersection(configAttributes)
        if !configChanges.isEmpty {
            try await api.put("\(base)/config", configParameters(desired, changed: configChanges, current: current))
        }
        if changed.contains("disk") { try await resize(desired, current: current, api: api, progress: progress) }
        let running = prior["started"]?.boolValue == true
        if changed.contains("started") {
            try await power(desired["started"]?.boolValue == true ? "start" : "shutdown", base, api: api, progress: progress)
        } else if running && !changed.intersection(cloudInitAttributes).isEmpty {
            progress("cloud-init changes apply at the VM's next start")
        }
        // The engine reads the VM back and compares it with the description.
        return desired
    }

    // MARK: Delete

    static func delete(_ prior: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
        let base = try path(prior)
        do {
            _ = try await unlockedConfig(base, api: api, progress: progress)
            let status = try await api.get("\(base)/status/current")
            if status["status"]?.stringValue == "running" { try await power("stop", base, api: api, progress: progress) }
            progress("destroying")
            try await api.runTask(.delete, base, [("purge", .bool(true)), ("destroy-unreferenced-disks", .bool(true))], progress: progress)
        } catch let error as ProxmoxAPIError where error.isNotFound {
            return  // already gone
        }
    }

    // MARK: Import

    /// `node/vmid`.
    static func importResource(id: String, desired: Value, api: ProxmoxClient) async throws -> Value? {
        let parts = id.split(separator: "/")
        guard parts.count == 2, let vmid = Int(parts[1]) else {
            throw ProviderError.failed("a VM is imported by node and VMID, such as homelabpve01/200, not '\(id)'")
        }
        var prior = desired.with("vmid", .int(vmid)).with("node", .string(String(parts[0])))
        if prior["template"] == nil { prior = prior.with("template", .null) }
        return try await read(prior, api: api)
    }
}

extension ProxmoxAPIError {
    /// A clone task that failed on a lock another clone held: safe to clean up and retry.
    var isCloneRace: Bool {
        kind == .lockTimeout || message.contains("got timeout") || message.contains("got lock request timeout")
    }
}

extension String {
    var removingPercentEncodingOrSelf: String { removingPercentEncoding ?? self }
}
