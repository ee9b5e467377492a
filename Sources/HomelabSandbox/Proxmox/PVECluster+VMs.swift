import Foundation
import HomelabCore

/// VMs: create, clone, config, resize, power, template, destroy, status.
extension PVECluster {
    /// Config keys a create or config update may carry (everything else is request metadata).
    private static let nonConfigKeys: Set<String> = [
        "node", "vmid", "delete", "digest", "revert", "skiplock", "force", "background_delay", "start",
    ]

    func listVMs(_ node: String) throws -> Value {
        try requireNode(node)
        let items: [Value] = vms.filter { $0.value.node == node }.sorted { $0.key < $1.key }.map { vmid, vm in
            var item: [String: Value] = [
                "vmid": .int(vmid), "name": .string(vm.config["name"] ?? "VM \(vmid)"),
                "status": .string(vm.running ? "running" : "stopped"),
            ]
            if vm.template { item["template"] = 1 }
            if let lock = vm.lock { item["lock"] = .string(lock) }
            if let tags = vm.config["tags"] { item["tags"] = .string(tags) }
            return .object(item)
        }
        return .array(items)
    }

    /// pve-manager `PVE/API2/Cluster.pm` `nextid`: `raise_param_exc({ vmid => "VM $vmid already exists" })`.
    func nextID(_ requested: Int?) throws -> Value {
        if let requested {
            if vms[requested] != nil { throw PVEAPIFailure.parameters(["vmid": "VM \(requested) already exists"]) }
            return .string(String(requested))
        }
        var candidate = 100
        while vms[candidate] != nil { candidate += 1 }
        // PVE returns the id as a string.
        return .string(String(candidate))
    }

    func resources(type: String?) -> Value {
        var items: [Value] = []
        if type == nil || type == "vm" {
            for (vmid, vm) in vms.sorted(by: { $0.key < $1.key }) {
                var item: [String: Value] = [
                    "id": .string("qemu/\(vmid)"), "type": "qemu", "node": .string(vm.node), "vmid": .int(vmid),
                    "name": .string(vm.config["name"] ?? ""), "status": .string(vm.running ? "running" : "stopped"),
                    "template": .int(vm.template ? 1 : 0), "maxmem": .int((Int(vm.config["memory"] ?? "512") ?? 512) * 1_048_576),
                ]
                if let tags = vm.config["tags"] { item["tags"] = .string(tags) }
                if let lock = vm.lock { item["lock"] = .string(lock) }
                items.append(.object(item))
            }
        }
        if type == nil || type == "storage" {
            for node in configuration.nodes {
                for (id, storage) in storages.sorted(by: { $0.key < $1.key }) {
                    items.append([
                        "id": .string("storage/\(node)/\(id)"), "type": "storage", "storage": .string(id), "node": .string(node),
                        "plugintype": .string(storage["type"] ?? ""), "content": .string(storage["content"] ?? ""), "status": "available",
                    ])
                }
            }
        }
        if type == nil || type == "node" {
            for node in configuration.nodes {
                items.append(["id": .string("node/\(node)"), "type": "node", "node": .string(node), "status": "online"])
            }
        }
        return .array(items)
    }

    /// qemu-server `PVE/API2/Qemu.pm` `create_vm`: an existing VMID dies "unable to create VM <id> -
    /// VM <id> already exists on node '<node>'" (`PVE::Cluster::check_vmid_unused`).
    func createVM(_ parameters: PVEParameters, fault: PVEFault.Kind?) throws -> Value {
        try requireNode(parameters.node)
        let vmid = try parameters.requireInt("vmid")
        if let existing = vms[vmid] {
            throw PVEAPIFailure.server("unable to create VM \(vmid) - VM \(vmid) already exists on node '\(existing.node)'")
        }
        var config: [String: String] = [:]
        for (key, values) in parameters.values where !Self.nonConfigKeys.contains(key) { config[key] = values.last }
        try checkConfig(config, vmid: vmid, node: parameters.node)
        for (key, value) in config where Self.isDiskKey(key) {
            config[key] = try allocate(value, vmid: vmid, disk: key)
        }
        if config["smbios1"] == nil { config["smbios1"] = "uuid=\(UUID().uuidString.lowercased())" }
        config = Self.assigningMACs(config)
        config["vmgenid"] = UUID().uuidString.lowercased()
        vms[vmid] = VM(node: parameters.node, config: config, lock: "create")
        let start = try parameters.bool("start") ?? false
        return .string(
            startTask(
                node: parameters.node, type: "qmcreate", id: String(vmid), user: parameters.user,
                duration: configuration.taskDurations.create, fault: fault
            ) { cluster in
                cluster.vms[vmid]?.lock = nil
                if start {
                    cluster.vms[vmid]?.running = true
                    cluster.guestsBoot(vmid)
                }
                return ["creating VM \(vmid)"]
            }
        )
    }

    /// `scsi0`, `virtio3`, `ide2`: drive slots (not `scsihw`).
    static func isDiskKey(_ key: String) -> Bool {
        key.range(of: #"^(scsi|virtio|sata|ide)\d+$"#, options: .regularExpression) != nil
    }

    /// Turns `local-lvm:32` or `local-lvm:0,import-from=local:import/x.img` into a volume. qemu-server
    /// `$create_disks` allocates through pve-storage `PVE/Storage.pm`: an unknown storage is
    /// "storage '<id>' does not exist", one without `images` content "storage '<id>' does not
    /// support content-type 'images'", a missing source volume "volume '<volid>' does not exist".
    private func allocate(_ value: String, vmid: Int, disk: String) throws -> String {
        var parts = value.split(separator: ",").map(String.init)
        guard let volume = parts.first else { return value }
        if volume == "none" || volume.contains(":iso/") || volume.hasSuffix(":cloudinit") {
            if volume.hasSuffix(":cloudinit") {
                let storage = volume.dropLast(":cloudinit".count)
                parts[0] = "\(storage):vm-\(vmid)-cloudinit"
                if !parts.contains("media=cdrom") { parts.append("media=cdrom") }
            }
            if volume.contains(":iso/"), !volumes.contains(volume) {
                throw PVEAPIFailure.server("volume '\(volume)' does not exist")
            }
            return parts.joined(separator: ",")
        }
        let pieces = volume.split(separator: ":", maxSplits: 1)
        guard pieces.count == 2, let storage = storages[String(pieces[0])] else {
            throw PVEAPIFailure.server("storage '\(volume.split(separator: ":").first ?? "")' does not exist")
        }
        guard (storage["content"] ?? "").split(separator: ",").contains("images") else {
            throw PVEAPIFailure.server("storage '\(pieces[0])' does not support content-type 'images'")
        }
        // qemu-server `$NEW_DISK_RE` takes GiB with decimals (`3.5`), converted exactly and written
        // back with pve-common's `format_size` (`3584M`).
        let newGiB = Double(pieces[1]).flatMap { $0 >= 0 ? $0 : nil }
        var size = newGiB.map { ByteSize(bytes: Int64(($0 * 1_073_741_824).rounded())).pveSize }
        if let importFrom = parts.first(where: { $0.hasPrefix("import-from=") }) {
            let source = String(importFrom.dropFirst("import-from=".count))
            guard volumes.contains(source) else { throw PVEAPIFailure.server("volume '\(source)' does not exist") }
            size = "3584M"
            parts.removeAll { $0.hasPrefix("import-from=") }
        }
        guard let size, newGiB != nil else { return value }
        let index = vms.values.reduce(0) { count, vm in count + vm.config.values.filter { $0.contains("vm-\(vmid)-disk-") }.count }
        parts[0] = "\(pieces[0]):vm-\(vmid)-disk-\(index)"
        parts.append("size=\(size)")
        return parts.joined(separator: ",")
    }

    /// What PVE refuses about config values before touching anything: qemu-server
    /// `PVE/API2/Qemu.pm` `check_hostpci_perm` ("only root can set '<key>' config for non-mapped
    /// devices") and `PVE::Mapping::PCI` (`find_on_current_node`: "PCI mapping '<id>' not found" /
    /// "... has no entry for node"); `memory`'s schema minimum (16, `PVE/QemuServer/Memory.pm`) in
    /// pve-common `JSONSchema.pm` words; `update_vm_api`'s `PVE::Tools::validate_ssh_public_keys`.
    private func checkConfig(_ config: [String: String], vmid: Int, node: String) throws {
        for (key, value) in config where key.hasPrefix("hostpci") {
            let items = value.split(separator: ",")
            if let mapping = items.first(where: { $0.hasPrefix("mapping=") }) {
                let id = String(mapping.dropFirst("mapping=".count))
                guard let entry = mappings[id] else { throw PVEAPIFailure.server("PCI mapping '\(id)' not found") }
                guard entry.map.contains(where: { $0.split(separator: ",").contains("node=\(node)") }) else {
                    throw PVEAPIFailure.server("PCI mapping '\(id)' has no entry for node '\(node)'")
                }
            } else {
                // API tokens are never root@pam.
                throw PVEAPIFailure.server("only root can set '\(key)' config for non-mapped devices")
            }
        }
        if let memory = config["memory"], let mib = Int(memory.replacingOccurrences(of: "current=", with: "")), mib < 16 {
            throw PVEAPIFailure.parameters(["memory": "value must have a minimum value of 16"])
        }
        if let sshkeys = config["sshkeys"] {
            guard let decoded = sshkeys.removingPercentEncoding else {
                throw PVEAPIFailure.parameters(["sshkeys": "invalid urlencoded string"])
            }
            for key in decoded.split(separator: "\n") where !key.hasPrefix("ssh-") && !key.hasPrefix("ecdsa-") {
                throw PVEAPIFailure.parameters(["sshkeys": "invalid format - not a public key: \(key.prefix(12))…"])
            }
        }
    }

    /// qemu-server `PVE/API2/Qemu.pm` `clone_vm`: "parameter 'storage' not allowed for linked
    /// clones", "can't clone VM to node '<n>' (VM uses local storage)", and "unable to create VM
    /// <id>: config file already exists" (`create_and_lock_config`).
    func cloneVM(_ parameters: PVEParameters, fault: PVEFault.Kind?) async throws -> Value {
        let node = parameters.node
        let source = try vm(node, try parameters.requireInt("vmid"))
        let vmid = try parameters.requireInt("vmid")
        let newid = try parameters.requireInt("newid")
        let full = try parameters.bool("full") ?? !source.template
        let storage = parameters.string("storage")
        if !full && storage != nil { throw PVEAPIFailure.server("parameter 'storage' not allowed for linked clones") }
        if let storage, storages[storage] == nil { throw PVEAPIFailure.server("storage '\(storage)' does not exist") }
        if let target = parameters.string("target"), target != node {
            throw PVEAPIFailure.server("can't clone VM to node '\(target)' (VM uses local storage)")
        }
        if vms[newid] != nil { throw PVEAPIFailure.server("unable to create VM \(newid): config file already exists") }
        // The source is locked shared (it is a stopped template): parallel clones of it are fine.
        if source.running { try await lockVM(vmid, hold: configuration.taskDurations.clone) }
        var config = source.config
        config["name"] = parameters.string("name") ?? "Copy-of-VM-\(source.config["name"] ?? String(vmid))"
        config["template"] = nil
        if let description = parameters.string("description") { config["description"] = description }
        for (key, value) in config where value.contains("vm-\(vmid)-") || value.contains("base-\(vmid)-") {
            var volume = value.replacingOccurrences(of: "base-\(vmid)-", with: "vm-\(newid)-").replacingOccurrences(
                of: "vm-\(vmid)-", with: "vm-\(newid)-")
            if let storage, !volume.contains("cloudinit"), let colon = volume.firstIndex(of: ":") {
                volume = storage + volume[colon...]
            }
            config[key] = volume
        }
        config["vmgenid"] = UUID().uuidString.lowercased()
        config["smbios1"] = "uuid=\(UUID().uuidString.lowercased())"
        for (key, value) in config where key.hasPrefix("net") {
            config[key] = value.split(separator: ",").map { item in
                let pair = item.split(separator: "=", maxSplits: 1)
                return pair.count == 2 && pair[1].contains(":") ? "\(pair[0])=\(Self.randomMAC())" : String(item)
            }.joined(separator: ",")
        }
        // A full clone allocates its disks under the target storage's lock; a clone that cannot get
        // it within the lock timeout fails its task, as on PVE.
        let targetStorage = storage ?? "local-lvm"
        var duration = configuration.taskDurations.clone
        var failure = fault
        if full {
            let lockFree = max(storageBusyUntil[targetStorage] ?? clock.now, clock.now)
            let wait = lockFree - clock.now
            if wait > configuration.lockTimeout {
                duration = configuration.lockTimeout
                failure = .failTask("clone failed: can't lock file '/var/lock/pve-manager/pve-storage-\(targetStorage)' - got timeout")
            } else {
                storageBusyUntil[targetStorage] = lockFree + duration * configuration.storageLockShare
                duration += wait
            }
        }
        // The new VM exists at once, locked for the whole clone.
        vms[newid] = VM(node: node, config: config, lock: "clone", busyUntil: clock.now + duration)
        let failed: Bool = if case .failTask = failure { true } else { false }
        let upid = startTask(node: node, type: "qmclone", id: String(vmid), user: parameters.user, duration: duration, fault: failure) {
            cluster in
            cluster.vms[newid]?.lock = nil
            cluster.vms[newid]?.busyUntil = nil
            return ["create full clone of drive scsi0 (\(targetStorage))", "transferred 32.0 GiB of 32.0 GiB (100.00%)"]
        }
        if failed {
            // A failed clone removes what it had started.
            Task {
                try? await Task.sleep(for: duration)
                self.removeVM(newid)
            }
        }
        return .string(upid)
    }

    func removeVM(_ vmid: Int) { vms[vmid] = nil }

    /// A NIC given as just a model (`virtio,bridge=vmbr0`) gets a generated MAC, as on PVE.
    static func assigningMACs(_ config: [String: String]) -> [String: String] {
        var config = config
        for (key, value) in config where key.range(of: #"^net\d+$"#, options: .regularExpression) != nil {
            var items = value.split(separator: ",").map(String.init)
            if let first = items.first, !first.contains("=") { items[0] = "\(first)=\(randomMAC())" }
            config[key] = items.joined(separator: ",")
        }
        return config
    }

    static func randomMAC() -> String {
        "BC:24:11:" + (0..<3).map { _ in String(format: "%02X", Int.random(in: 0...255)) }.joined(separator: ":")
    }

    func config(_ node: String, _ vmid: Int, current: Bool) throws -> Value {
        let vm = try vm(node, vmid)
        var members: [String: Value] = [:]
        for (key, value) in Self.effectiveConfig(vm, current: current) { members[key] = Self.configValue(key, value) }
        if let cipassword = members["cipassword"], cipassword != .null { members["cipassword"] = "**********" }
        if let lock = vm.lock { members["lock"] = .string(lock) }
        members["digest"] = .string(Self.digest(vm))
        return .object(members)
    }

    /// `PUT …/config`: synchronous, under the VM's config lock. qemu-server `update_vm_api`:
    /// `PVE::QemuConfig->check_lock` dies "VM is locked (<lock>)"; a stale `digest` dies as
    /// `PVE::Tools::assert_if_modified` words it ("detected modified configuration - file changed
    /// by other user? Try again.").
    func updateConfig(_ parameters: PVEParameters, fault: PVEFault.Kind?) async throws -> Value {
        let vmid = try parameters.requireInt("vmid")
        _ = try vm(parameters.node, vmid)
        if case .lockTimeout = fault { throw PVEAPIFailure.lockTimeout(vmid) }
        try await lockVM(vmid)
        guard let current = vms[vmid] else { throw PVEAPIFailure.vmMissing(parameters.node, vmid) }
        if let lock = current.lock { throw PVEAPIFailure.server("VM is locked (\(lock))") }
        if let digest = parameters.string("digest"), digest != Self.digest(current) {
            throw PVEAPIFailure.server("detected modified configuration - file changed by other user? Try again.")
        }
        var changes: [String: String] = [:]
        for (key, values) in parameters.values where !Self.nonConfigKeys.contains(key) { changes[key] = values.last }
        let deletions = (parameters.string("delete") ?? "").split(separator: ",").map(String.init)
        // Checked against the config as it will be once pending changes apply.
        var merged = Self.effectiveConfig(current, current: false)
        for (key, value) in changes { merged[key] = value }
        for key in deletions { merged[key] = nil }
        try checkConfig(merged, vmid: vmid, node: parameters.node)
        changes = Self.assigningMACs(changes)
        for (key, value) in changes where value.hasSuffix(":cloudinit") { changes[key] = try allocate(value, vmid: vmid, disk: key) }
        writeConfig(vmid, setting: changes, deleting: deletions)
        return .null
    }

    /// qemu-server `PVE/API2/Qemu.pm` `resize_vm`: "disk '<disk>' does not exist"; the size's
    /// pattern is checked by pve-common `JSONSchema.pm` ("value does not match the regex pattern").
    func resize(_ parameters: PVEParameters, fault: PVEFault.Kind?) async throws -> Value {
        let vmid = try parameters.requireInt("vmid")
        let current = try vm(parameters.node, vmid)
        let disk = try parameters.require("disk")
        let size = try parameters.require("size")
        guard let volume = current.config[disk] else { throw PVEAPIFailure.server("disk '\(disk)' does not exist") }
        try await lockVM(vmid)
        // qemu-server `resize_vm`: `size` is `\+?\d+(\.\d+)?[KMGT]?` (no unit: bytes; `+`: grow by);
        // "shrinking disks is not supported"; the new size is written with `format_size`.
        let currentSize = Self.size(volume) ?? ByteSize(bytes: 0)
        let grow = size.hasPrefix("+")
        guard let requested = ByteSize(pveSize: grow ? size.dropFirst() : Substring(size)) else {
            throw PVEAPIFailure.parameters(["size": "value does not match the regex pattern"])
        }
        let new = grow ? ByteSize(bytes: currentSize.bytes + requested.bytes) : requested
        return .string(
            startTask(
                node: parameters.node, type: "resize", id: String(vmid), user: parameters.user,
                duration: configuration.taskDurations.resize, fault: fault
            ) { cluster in
                if new < currentSize { throw PVEAPIFailure.server("shrinking disks is not supported") }
                guard let volume = cluster.vms[vmid]?.config[disk] else { throw PVEAPIFailure.server("disk '\(disk)' does not exist") }
                let parts = volume.split(separator: ",").filter { !$0.hasPrefix("size=") } + ["size=\(new.pveSize)"]
                cluster.vms[vmid]?.config[disk] = parts.joined(separator: ",")
                return ["Image resized."]
            }
        )
    }

    /// A drive's `size=`, exactly.
    static func size(_ volume: String) -> ByteSize? {
        guard let size = volume.split(separator: ",").first(where: { $0.hasPrefix("size=") })?.dropFirst(5) else { return nil }
        return ByteSize(pveSize: size)
    }

    func status(_ node: String, _ vmid: Int) throws -> Value {
        let vm = try vm(node, vmid)
        var members: [String: Value] = [
            "vmid": .int(vmid), "status": .string(vm.running ? "running" : "stopped"),
            "qmpstatus": .string(vm.running ? "running" : "stopped"),
            "name": .string(vm.config["name"] ?? ""), "cpus": .int(Int(vm.config["cores"] ?? "1") ?? 1),
            "uptime": .int(vm.running ? 42 : 0),
        ]
        if vm.template { members["template"] = 1 }
        if let lock = vm.lock { members["lock"] = .string(lock) }
        if vm.config["agent"]?.hasPrefix("1") == true || vm.config["agent"]?.contains("enabled=1") == true { members["agent"] = 1 }
        return .object(members)
    }

    /// qemu-server `PVE/API2/Qemu.pm` `vm_start`/`vm_stop`/`vm_shutdown` and `PVE/QemuServer.pm`:
    /// "VM is locked (<lock>)" (`check_lock`); in the task, "you can't start a vm if it's a
    /// template" and "VM <id> already running".
    func power(_ action: String, _ parameters: PVEParameters, fault: PVEFault.Kind?) throws -> Value {
        let vmid = try parameters.requireInt("vmid")
        let current = try vm(parameters.node, vmid)
        if let lock = current.lock { throw PVEAPIFailure.server("VM is locked (\(lock))") }
        let (type, duration): (String, Duration) =
            switch action {
            case "start": ("qmstart", configuration.taskDurations.start)
            case "shutdown": ("qmshutdown", configuration.taskDurations.shutdown)
            default: ("qmstop", configuration.taskDurations.stop)
            }
        return .string(
            startTask(node: parameters.node, type: type, id: String(vmid), user: parameters.user, duration: duration, fault: fault) {
                cluster in
                guard let vm = cluster.vms[vmid] else { throw PVEAPIFailure.vmMissing(parameters.node, vmid) }
                switch action {
                case "start":
                    if vm.template { throw PVEAPIFailure.server("you can't start a vm if it's a template") }
                    // qemu-server `vm_start`: `die "VM $vmid already running\n"` inside the worker task.
                    if vm.running { throw PVEAPIFailure.server("VM \(vmid) already running") }
                    cluster.applyPending(vmid)
                    cluster.vms[vmid]?.running = true
                    cluster.guestsBoot(vmid)
                    return ["start VM \(vmid)"]
                default:
                    // qemu-server `vm_stop` (PVE/QemuServer.pm): `return if !$pid` — stopping or shutting
                    // down a VM that is not running ends the task OK, with nothing done.
                    guard vm.running else { return [] }
                    cluster.vms[vmid]?.running = false
                    await cluster.configuration.guests?.stopped(vmid: vmid)
                    return ["\(action) VM \(vmid)"]
                }
            }
        )
    }

    /// Tells the guest host that `vmid`'s QEMU runs; the guest boots on its own while the start
    /// task ends (a real VM's sshd answers only after its boot).
    func guestsBoot(_ vmid: Int) {
        guard let guests = configuration.guests, let config = vms[vmid]?.config else { return }
        Task { await guests.started(vmid: vmid, config: config) }
    }

    /// qemu-server `PVE/API2/Qemu.pm` `template`: "you can't convert a template to a template" and
    /// "you can't convert a VM to template if VM is running".
    func convertToTemplate(_ parameters: PVEParameters, fault: PVEFault.Kind?) throws -> Value {
        let vmid = try parameters.requireInt("vmid")
        let current = try vm(parameters.node, vmid)
        if current.running { throw PVEAPIFailure.server("you can't convert a VM to template if VM is running") }
        if current.template { throw PVEAPIFailure.server("you can't convert a template to a template") }
        return .string(
            startTask(
                node: parameters.node, type: "qmtemplate", id: String(vmid), user: parameters.user,
                duration: configuration.taskDurations.template, fault: fault
            ) { cluster in
                guard var vm = cluster.vms[vmid] else { throw PVEAPIFailure.vmMissing(parameters.node, vmid) }
                for (key, value) in vm.config where value.contains("vm-\(vmid)-disk-") {
                    vm.config[key] = value.replacingOccurrences(of: "vm-\(vmid)-disk-", with: "base-\(vmid)-disk-")
                }
                vm.config["template"] = "1"
                cluster.vms[vmid] = vm
                return ["converting VM \(vmid) to a template"]
            }
        )
    }

    /// qemu-server `PVE/API2/Qemu.pm` `destroy_vm`: "VM <id> is running - destroy failed";
    /// `PVE::QemuConfig->check_protection` "VM is protected - destroy failed"; and the lock.
    func destroy(_ parameters: PVEParameters, fault: PVEFault.Kind?) async throws -> Value {
        let vmid = try parameters.requireInt("vmid")
        let current = try vm(parameters.node, vmid)
        if current.running { throw PVEAPIFailure.server("VM \(vmid) is running - destroy failed") }
        if current.config["protection"] == "1" { throw PVEAPIFailure.server("VM is protected - destroy failed") }
        try await lockVM(vmid)
        if let lock = vms[vmid]?.lock { throw PVEAPIFailure.server("VM is locked (\(lock))") }
        vms[vmid]?.lock = "destroyed"
        return .string(
            startTask(
                node: parameters.node, type: "qmdestroy", id: String(vmid), user: parameters.user,
                duration: configuration.taskDurations.destroy, fault: fault
            ) { cluster in
                cluster.vms[vmid] = nil
                await cluster.configuration.guests?.destroyed(vmid: vmid)
                return ["destroying VM \(vmid)", "purging VM \(vmid) from related configurations"]
            }
        )
    }

    /// The guest agent answers only when the VM runs and has `agent: 1` (qemu-server
    /// `PVE/QemuServer/Agent.pm` `agent_available`: "QEMU guest agent is not running"); the address
    /// is the one cloud-init configured.
    func agentInterfaces(_ node: String, _ vmid: Int) throws -> Value {
        let vm = try vm(node, vmid)
        guard vm.running, vm.config["agent"].map({ $0.hasPrefix("1") || $0.contains("enabled=1") }) == true else {
            throw PVEAPIFailure.server("QEMU guest agent is not running")
        }
        var addresses: [Value] = [["ip-address": "127.0.0.1", "ip-address-type": "ipv4", "prefix": 8]]
        if let ip = vm.config["ipconfig0"]?.split(separator: ",").first(where: { $0.hasPrefix("ip=") })?.dropFirst(3) {
            let parts = ip.split(separator: "/")
            addresses.append([
                "ip-address": .string(String(parts[0])), "ip-address-type": "ipv4", "prefix": .int(Int(parts.last ?? "24") ?? 24),
            ])
        }
        return ["result": [["name": "eth0", "ip-addresses": .array(addresses)]]]
    }
}
