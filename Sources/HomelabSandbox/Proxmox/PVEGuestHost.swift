/// What runs inside the simulator's VMs. PVE starts QEMU and ends the start task; the guest then
/// boots on its own (qemu-server `vm_start` returns once the QEMU process runs). A guest host is
/// told so, and boots a machine for the VM; told of a stop, it shuts the machine down.
public protocol PVEGuestHost: Sendable {
    /// VM `vmid`'s QEMU started with `config` (its cloud-init settings among it).
    func started(vmid: Int, config: [String: String]) async
    /// VM `vmid` stopped (a stop, a shutdown, or a start task failing afterwards).
    func stopped(vmid: Int) async
    /// VM `vmid` was destroyed, its disks purged.
    func destroyed(vmid: Int) async
}
