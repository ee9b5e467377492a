import Foundation
import HomelabCore

/// The `[PENDING]` section of a VM's config: what `PUT …/config` could not change on a running VM.
///
/// qemu-server's `update_vm_api` (PVE/API2/Qemu.pm) writes every change to `pending` first, then
/// applies it at once when the VM is stopped (`vmconfig_apply_pending`), or, when it runs, only
/// what `vmconfig_hotplug_pending` (PVE/QemuServer.pm) can change live: the `$fast_plug_option`
/// keys (name, onboot, description, tags, …, and in current releases every cloud-init key) and,
/// with the default `hotplug: network,disk,usb`, NICs and disks. Everything else (cores, sockets,
/// cpu, memory without memory hotplug, vga, agent, hostpci) `die "skip\n"`s and stays pending
/// until the VM starts again (`vm_start` applies pending first).
extension PVECluster {
    /// Applied to the running config at once (qemu-server `$fast_plug_option`; current releases add
    /// each key of `$confdesc_cloudinit`).
    static let fastPlugKeys: Set<String> = [
        "lock", "name", "onboot", "shares", "startup", "description", "protection", "vmstatestorage", "tags", "hookscript",
        "ciuser", "cipassword", "citype", "ciupgrade", "cicustom", "nameserver", "searchdomain", "sshkeys",
    ]

    /// Whether a running VM takes `key` live, with PVE's default `hotplug: network,disk,usb`.
    static func hotplugs(_ key: String) -> Bool {
        fastPlugKeys.contains(key) || key.hasPrefix("ipconfig") || key.range(of: #"^net\d+$"#, options: .regularExpression) != nil
            || (isDiskKey(key) && !key.hasPrefix("ide") && !key.hasPrefix("sata"))
    }

    /// Keys written to the cloud-init drive (qemu-server `cloudinit_pending_properties`): the guest
    /// sees a change only once the drive is regenerated at the next start.
    static func reachesCloudInit(_ key: String) -> Bool {
        ["ciuser", "cipassword", "citype", "ciupgrade", "cicustom", "sshkeys", "nameserver", "searchdomain", "name"].contains(key)
            || key.range(of: #"^(ipconfig|net)\d+$"#, options: .regularExpression) != nil
    }

    /// Writes a config update the way `update_vm_api` does: everything at once on a stopped VM
    /// (`vmconfig_apply_pending` applies every pending change, old ones too), only what hotplugs on
    /// a running one; the rest lands in `pending`.
    func writeConfig(_ vmid: Int, setting changes: [String: String], deleting deletions: [String]) {
        guard var vm = vms[vmid] else { return }
        let running = vm.running
        func live(_ key: String, _ value: String?) {
            // `$cloudinit_record_changed`: the value the drive still holds, until the next start.
            if running, Self.reachesCloudInit(key), vm.cloudInitChanged[key] == nil, vm.config[key] != value {
                vm.cloudInitChanged[key] = .some(vm.config[key])
            }
            if running, vm.cloudInitChanged[key] == .some(value) { vm.cloudInitChanged[key] = nil }
            vm.config[key] = value
            vm.pending[key] = nil
            vm.pendingDelete.remove(key)
        }
        for (key, value) in changes {
            if !running || Self.hotplugs(key) {
                live(key, value)
            } else {
                vm.pending[key] = value
                vm.pendingDelete.remove(key)
            }
        }
        for key in deletions {
            if !running || Self.hotplugs(key) {
                live(key, nil)
            } else {
                vm.pending[key] = nil
                if vm.config[key] != nil { vm.pendingDelete.insert(key) }
            }
        }
        // pve-guest-common `cleanup_pending`: a pending value equal to the current one is no change.
        for (key, value) in vm.pending where vm.config[key] == value { vm.pending[key] = nil }
        vms[vmid] = vm
        if !running { applyPending(vmid) }
    }

    /// qemu-server `vm_start` applies pending changes before the VM runs (`vmconfig_apply_pending`)
    /// and regenerates the cloud-init drive from the config.
    func applyPending(_ vmid: Int) {
        guard var vm = vms[vmid] else { return }
        for (key, value) in vm.pending { vm.config[key] = value }
        for key in vm.pendingDelete { vm.config[key] = nil }
        vm.pending = [:]
        vm.pendingDelete = []
        vm.cloudInitChanged = [:]
        vms[vmid] = vm
    }

    /// `GET …/pending`: pve-guest-common `config_with_pending_array` — one item per key, with the
    /// value in effect (`value`), the new one waiting (`pending`), and `delete: 1` for a pending
    /// removal.
    func pendingConfig(_ node: String, _ vmid: Int) throws -> Value {
        let vm = try vm(node, vmid)
        var items: [Value] = []
        let keys = Set(vm.config.keys).union(vm.pending.keys).union(vm.pendingDelete).union(vm.cloudInitChanged.keys)
        for key in keys.sorted() {
            var item: [String: Value] = ["key": .string(key)]
            if let value = vm.config[key] { item["value"] = Self.configValue(key, value) }
            if let pending = vm.pending[key] { item["pending"] = Self.configValue(key, pending) }
            if vm.pendingDelete.contains(key) { item["delete"] = 1 }
            // A cloud-init key changed while running: in effect is what the drive still holds.
            if let drive = vm.cloudInitChanged[key] {
                item["value"] = drive.map { Self.configValue(key, $0) }
                if let new = vm.config[key] { item["pending"] = Self.configValue(key, new) } else { item["delete"] = 1 }
            }
            items.append(.object(item.filter { $0.value != .null }))
        }
        items.append(["key": "digest", "value": .string(Self.digest(vm))])
        return .array(items)
    }

    /// The config as `GET …/config` answers: pve-guest-common `load_current_config` merges the
    /// pending values in unless `current=1` asks for the values in effect.
    static func effectiveConfig(_ vm: VM, current: Bool) -> [String: String] {
        guard !current else { return vm.config }
        var config = vm.config
        for (key, value) in vm.pending { config[key] = value }
        for key in vm.pendingDelete { config[key] = nil }
        return config
    }

    /// PVE answers integers as JSON numbers, memory as its property string.
    static func configValue(_ key: String, _ value: String) -> Value {
        key == "memory" ? .string(value) : Int(value).map(Value.int) ?? .string(value)
    }

    /// The config file's digest covers its `[PENDING]` section too.
    static func digest(_ vm: VM) -> String {
        var file = vm.config
        for (key, value) in vm.pending { file["pending.\(key)"] = value }
        if !vm.pendingDelete.isEmpty { file["pending.delete"] = vm.pendingDelete.sorted().joined(separator: ",") }
        return digest(file)
    }
}
