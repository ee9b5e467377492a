import Foundation
import HTTP
import HomelabCore

/// A VM: a full clone of a template, configured through one `PUT …/config` (CPU, memory, network,
/// cloud-init, PCI mappings, tags), its disk grown to size, then started.
enum VMResource: ResourceHandler {
    static let type = ProxmoxTypes.vm

    static func path(_ vm: VMAttributes) -> String { "/nodes/\(vm.node)/qemu/\(vm.vmid)" }

    /// PVE grows disks but never shrinks them (qemu-server `resize_vm` dies "shrinking disks is
    /// not supported"): a smaller declared disk fails the plan, naming the real size.
    static func refusal(from prior: VMAttributes, to desired: VMAttributes) -> String? {
        guard desired.disk < prior.disk else { return nil }
        return "the disk is \(prior.disk.pveSize) on Proxmox and PVE cannot shrink disks; declare at least "
            + "\(prior.disk.pveSize), or replace the VM (--replace vm.\(desired.name ?? String(desired.vmid)))"
    }

    // MARK: Create

    static func create(_ request: TypedCreate<VMAttributes>, using api: ProxmoxClient) async throws -> VMAttributes {
        let (desired, progress) = (request.desired, request.progress)
        let templateVMID: Int
        if let known = desired.templateVMID {
            templateVMID = known
        } else if let template = desired.template {
            templateVMID = try await resolveTemplate(template, node: desired.node, api: api)
        } else {
            throw ProviderError.failed("VM \(desired.vmid) has no template to clone; VMs are created as clones (`from:`)")
        }
        try await clone(templateVMID, desired: desired, api: api, progress: progress) { try request.created(desired) }
        let current = try await unlockedConfig(path(desired), api: api, progress: progress)
        try await api.put("\(path(desired))/config", try configParameters(desired, prior: nil, current: current))
        try await resize(desired.disk, of: path(desired), current: current, api: api, progress: progress)
        if desired.started { try await power("start", path(desired), api: api, progress: progress) }
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
        _ source: Int, desired: VMAttributes, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        started: () throws -> Void
    )
        async throws
    {
        let (node, vmid) = (desired.node, desired.vmid)
        var parameters: [(String, ProxmoxClient.Parameter)] = [
            ("newid", .int(vmid)), ("full", .bool(true)), ("storage", .string(desired.diskStorage)),
        ]
        if let name = desired.name { parameters.append(("name", .string(name))) }
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

    /// What `PUT …/config` sets: every managed key for a new VM (`prior == nil`), else each key
    /// whose attribute differs, compared as whole typed values, so a change inside a list (one tag,
    /// one SSH key) is never missed.
    static func configParameters(_ desired: VMAttributes, prior: VMAttributes?, current: Value) throws -> [(
        String, ProxmoxClient.Parameter
    )] {
        var parameters: [(String, ProxmoxClient.Parameter)] = []
        var deletions: [String] = []
        func differs<T: Equatable>(_ attribute: KeyPath<VMAttributes, T>) -> Bool {
            prior.map { $0[keyPath: attribute] != desired[keyPath: attribute] } ?? true
        }
        /// Sets `key`, or deletes it when the attribute is empty (a clone inherits its template's).
        func set(_ key: String, _ text: String?) {
            if let text, !text.isEmpty { parameters.append((key, .string(text))) } else { deletions.append(key) }
        }
        if differs(\.name) { set("name", desired.name) }
        if differs(\.cores) { parameters.append(("cores", .int(desired.cores))) }
        if differs(\.sockets) { parameters.append(("sockets", .int(desired.sockets))) }
        if differs(\.cpuType) { parameters.append(("cpu", .string(desired.cpuType))) }
        if differs(\.memory) { parameters.append(("memory", .int(desired.memory))) }
        if differs(\.bridge), let bridge = desired.bridge {
            // Keep the MAC the clone was given; only the bridge is ours.
            let mac = current["net0"]?.stringValue.flatMap { PropertyString($0)["virtio"] }
            parameters.append(("net0", .string("virtio\(mac.map { "=\($0)" } ?? ""),bridge=\(bridge)")))
        }
        if differs(\.agent) { parameters.append(("agent", .string("enabled=\(desired.agent ? 1 : 0)"))) }
        if differs(\.vga) { parameters.append(("vga", .string(desired.vga))) }
        if differs(\.onBoot) { parameters.append(("onboot", .bool(desired.onBoot))) }
        if differs(\.tags) { set("tags", desired.tags.joined(separator: ";")) }
        if differs(\.description) { set("description", desired.description) }
        if differs(\.ip) || differs(\.gateway), let ip = desired.ip {
            parameters.append(("ipconfig0", .string("ip=\(ip)" + (desired.gateway.map { ",gw=\($0)" } ?? ""))))
        }
        if differs(\.nameservers) { set("nameserver", desired.nameservers.joined(separator: " ")) }
        if differs(\.searchDomain) { set("searchdomain", desired.searchDomain) }
        if differs(\.user) { set("ciuser", desired.user) }
        if differs(\.sshKeys) { set("sshkeys", desired.sshKeys.isEmpty ? nil : PVEFormEncoder.sshKeysValue(desired.sshKeys)) }
        if differs(\.cloudInitCustom) { set("cicustom", desired.cloudInitCustom) }
        if differs(\.pci) {
            for (index, mapping) in desired.pci.enumerated() { parameters.append(("hostpci\(index)", .string("mapping=\(mapping)"))) }
            let existing = (current.objectValue ?? [:]).keys.filter { $0.hasPrefix("hostpci") }
            for key in existing where (Int(key.dropFirst("hostpci".count)) ?? 0) >= desired.pci.count { deletions.append(key) }
        }
        // A clone keeps its template's cloud-init drive; add one when the template had none.
        if prior == nil, !(current.objectValue ?? [:]).values.contains(where: { $0.stringValue?.contains("-cloudinit") == true }) {
            parameters.append(("ide2", .string("\(desired.diskStorage):cloudinit")))
        }
        if !deletions.isEmpty { parameters.append(("delete", .string(deletions.sorted().joined(separator: ",")))) }
        return parameters
    }

    /// Grows the boot disk to the declared size, exactly (PVE sizes such as `3584M`). PVE cannot
    /// shrink a disk: that is an error naming both sizes.
    static func resize(
        _ wanted: ByteSize, of base: String, current: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    ) async throws {
        guard let disk = bootDisk(current) else { return }
        let size = current[disk]?.stringValue.flatMap(Self.size) ?? ByteSize(bytes: 0)
        guard wanted != size else { return }
        if wanted < size {
            throw ProviderError.failed(
                "disk \(disk) is \(size.pveSize) and PVE cannot shrink disks; declare at least \(size.pveSize) or replace the VM")
        }
        progress("resizing \(disk) to \(wanted.pveSize)")
        try await api.runTask(
            .put, "\(base)/resize", [("disk", .string(disk)), ("size", .string(wanted.pveSize))], progress: progress)
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

    static func read(_ request: TypedRead<VMAttributes>, using api: ProxmoxClient) async throws -> VMAttributes? {
        try await read(request.prior, api: api)
    }

    static func read(_ prior: VMAttributes, api: ProxmoxClient) async throws -> VMAttributes? {
        let vmid = prior.vmid
        // /cluster/resources tells whether the VM exists and on which node.
        let resources = try await api.get("/cluster/resources", [("type", .string("vm"))]).arrayValue ?? []
        guard let entry = resources.first(where: { $0["vmid"]?.lenientInt == vmid && $0["type"]?.stringValue == "qemu" }),
            let node = entry["node"]?.stringValue
        else { return nil }
        if entry["template"]?.lenientInt == 1 { return nil }
        let (config, waiting) = try await pendingConfig("/nodes/\(node)/qemu/\(vmid)", api: api)
        let status = try await api.get("/nodes/\(node)/qemu/\(vmid)/status/current")
        var real = attributes(config: config, running: status["status"]?.stringValue == "running", node: node, vmid: vmid, prior: prior)
        real.awaitingRestart = .known(waiting)
        return real
    }

    /// The config as it will be at the next start, and the attributes whose values wait for it,
    /// from one `GET …/pending` (pve-guest-common `config_with_pending_array`: each key's value in
    /// effect, its pending value, or a pending delete).
    static func pendingConfig(_ base: String, api: ProxmoxClient) async throws -> (config: Value, waiting: [String]) {
        var config: [String: Value] = [:]
        var waiting = Set<String>()
        for item in try await api.get("\(base)/pending").arrayValue ?? [] {
            guard let key = item["key"]?.stringValue else { continue }
            if (item["delete"]?.lenientInt ?? 0) > 0 {
                waiting.insert(attributeName(ofConfigKey: key))
            } else if let pending = item["pending"], pending != .null {
                config[key] = pending
                waiting.insert(attributeName(ofConfigKey: key))
            } else if let value = item["value"] {
                config[key] = value
            }
        }
        return (.object(config), waiting.sorted())
    }

    /// The attribute a PVE config key holds, for naming what waits for a restart.
    static func attributeName(ofConfigKey key: String) -> String {
        let attribute: VMAttributes.CodingKeys? =
            switch key {
            case "name": .name
            case "cores": .cores
            case "sockets": .sockets
            case "cpu": .cpuType
            case "memory": .memory
            case "net0": .bridge
            case "ipconfig0": .ip
            case "nameserver": .nameservers
            case "searchdomain": .searchDomain
            case "ciuser": .user
            case "sshkeys": .sshKeys
            case "cicustom": .cloudInitCustom
            case "tags": .tags
            case "vga": .vga
            case "agent": .agent
            case "onboot": .onBoot
            case "description": .description
            default: key.hasPrefix("hostpci") ? .pci : nil
            }
        return attribute?.stringValue ?? key
    }

    // MARK: Restart

    /// Attributes a running VM takes only at its next start: PVE cannot hotplug them (qemu-server
    /// `vmconfig_hotplug_pending` skips cores, sockets, cpu, memory, vga, agent and hostpci), or
    /// they reach the guest through the cloud-init drive, written at start
    /// (`cloudinit_pending_properties`: the cloud-init keys, the name and the NICs).
    static let takeEffectAtStart: [VMAttributes.CodingKeys] = [
        .cores, .sockets, .cpuType, .memory, .vga, .agent, .pci, .name, .bridge, .ip, .gateway, .nameservers, .searchDomain, .user,
        .sshKeys, .cloudInitCustom,
    ]

    /// What waits for a restart once `desired` is written to a VM that runs as `prior`.
    static func awaitingRestart(from prior: VMAttributes, to desired: VMAttributes) -> [String] {
        guard prior.started, desired.started else { return [] }
        let priorValues = try? AttributeEncoder().encode(prior)
        let desiredValues = try? AttributeEncoder().encode(desired)
        var names = Set(prior.awaitingRestart.value ?? [])
        for name in takeEffectAtStart.map(\.stringValue) where priorValues?[name] != desiredValues?[name] {
            names.insert(name)
        }
        return names.sorted()
    }

    /// The plan says which updates need a restart, and what the VM's policy makes of it.
    static func remarks(from prior: VMAttributes, to desired: VMAttributes) -> [String] {
        let waiting = awaitingRestart(from: prior, to: desired)
        guard !waiting.isEmpty else { return [] }
        let what = waiting.joined(separator: ", ")
        return switch desired.restart {
        case .shutdownAndStart: ["restart required: \(what) take effect at the next start; apply shuts the VM down cleanly and starts it"]
        case .stopAndStart: ["restart required: \(what) take effect at the next start; apply stops the VM at once and starts it"]
        case .leavePending:
            ["restart required: \(what) take effect at the next start; left pending on Proxmox (restart: .leavePending)"]
        }
    }

    /// Restarts a running VM whose config has changes waiting for its next start, as its policy
    /// asks; never a hard stop unless the policy says so.
    static func restartIfWaiting(_ desired: VMAttributes, base: String, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void)
        async throws
    {
        guard desired.restart != .leavePending else { return }
        let waiting = try await pendingConfig(base, api: api).waiting
        guard !waiting.isEmpty else { return }
        progress("restarting for \(waiting.joined(separator: ", "))")
        try await power(desired.restart == .stopAndStart ? "stop" : "shutdown", base, api: api, progress: progress)
        try await power("start", base, api: api, progress: progress)
    }

    /// The declaration's attributes, as the real VM has them.
    static func attributes(config: Value, running: Bool, node: String, vmid: Int, prior: VMAttributes) -> VMAttributes {
        let net = config["net0"]?.stringValue.map(PropertyString.init)
        let ipconfig = config["ipconfig0"]?.stringValue.map(PropertyString.init)
        let volume = bootDisk(config).flatMap { config[$0]?.stringValue } ?? ""
        let memory = config["memory"]?.lenientString.map { PropertyString($0)["current"] ?? PropertyString($0).defaultValue ?? $0 }
        let tags = (config["tags"]?.stringValue ?? "").split(whereSeparator: { $0 == ";" || $0 == "," || $0 == " " }).map(String.init)
        let keys = (config["sshkeys"]?.stringValue?.removingPercentEncodingOrSelf ?? "").split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        let agent = config["agent"]?.lenientString.map { PropertyString($0)["enabled"] ?? PropertyString($0).defaultValue ?? "0" }
        return VMAttributes(
            node: node, name: config["name"]?.lenientString, vmid: vmid, template: prior.template, templateVMID: prior.templateVMID,
            cores: config["cores"]?.lenientInt ?? 1, sockets: config["sockets"]?.lenientInt ?? 1,
            cpuType: config["cpu"]?.stringValue.map { PropertyString($0)["cputype"] ?? PropertyString($0).defaultValue ?? $0 } ?? "kvm64",
            memory: memory.flatMap { Int($0) } ?? 512, disk: size(volume) ?? ByteSize(bytes: 0),
            diskStorage: volume.split(separator: ":").first.map(String.init) ?? "", bridge: net?["bridge"], ip: ipconfig?["ip"],
            gateway: ipconfig?["gw"], nameservers: (config["nameserver"]?.stringValue ?? "").split(separator: " ").map(String.init),
            searchDomain: config["searchdomain"]?.stringValue, user: config["ciuser"]?.stringValue, sshKeys: keys,
            // PVE sorts tags; the declared order wins when the set is the same.
            tags: Set(tags.map { $0.lowercased() }) == Set(prior.tags.map { $0.lowercased() }) ? prior.tags : tags,
            pci: (0..<16).compactMap { config["hostpci\($0)"]?.stringValue.flatMap { PropertyString($0)["mapping"] } },
            vga: config["vga"]?.stringValue ?? "std", agent: ["1", "on", "yes", "true"].contains(agent ?? "0"),
            onBoot: config["onboot"]?.lenientInt == 1, started: running, description: config["description"]?.stringValue,
            mac: .known(net?["virtio"]), cloudInitCustom: config["cicustom"]?.stringValue, restart: prior.restart,
            awaitingRestart: .known([]))
    }

    // MARK: Update

    static func update(_ request: TypedUpdate<VMAttributes>, using api: ProxmoxClient) async throws -> VMAttributes {
        let (prior, desired, progress) = (request.prior, request.desired, request.progress)
        let base = path(desired)
        let current = try await unlockedConfig(base, api: api, progress: progress)
        let parameters = try configParameters(desired, prior: prior, current: current)
        if !parameters.isEmpty { try await api.put("\(base)/config", parameters) }
        if prior.disk != desired.disk { try await resize(desired.disk, of: base, current: current, api: api, progress: progress) }
        switch (prior.started, desired.started) {
        case (false, true): try await power("start", base, api: api, progress: progress)  // applies what was pending
        case (true, false): try await power("shutdown", base, api: api, progress: progress)
        case (true, true): try await restartIfWaiting(desired, base: base, api: api, progress: progress)
        case (false, false): break
        }
        // The engine reads the VM back and compares it with the description.
        return desired
    }

    // MARK: Delete

    static func delete(_ request: TypedDelete<VMAttributes>, using api: ProxmoxClient) async throws {
        try await delete(path(request.prior), api: api, progress: request.progress)
    }

    /// Stops the VM or template at `base` and destroys it with its disks; one already gone is done.
    static func delete(_ base: String, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
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
    static func importResource(_ request: TypedImport<VMAttributes>, using api: ProxmoxClient) async throws -> VMAttributes? {
        let parts = request.id.split(separator: "/")
        guard parts.count == 2, let vmid = Int(parts[1]), let desired = request.desired else {
            throw ProviderError.failed("a VM is imported by node and VMID, such as homelabpve01/200, not '\(request.id)'")
        }
        var prior = desired
        prior.vmid = vmid
        prior.node = String(parts[0])
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
