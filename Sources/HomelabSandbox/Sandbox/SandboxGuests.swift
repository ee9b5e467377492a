import Foundation

/// The sandbox's VMs: a started VM boots a disposable machine plugged into the lab's bridge at
/// the address its cloud-init settings give (`ipconfig0: ip=192.168.10.50/24,gw=192.168.10.1`),
/// with the cloud-init user (`ciuser`, sudo without a password) and keys (`sshkeys`, which PVE
/// keeps URL-encoded); a stopped VM's machine goes. With `disks`, each VM's files (its disk, host
/// key included) live in `disks/vm-<vmid>` and outlive a stop, as a VM's disk does; destroying
/// the VM removes them.
///
/// Not simulated yet: VMs without a static address (DHCP).
public actor SandboxGuests: PVEGuestHost {
    public let lab: LabNetwork
    /// Where VMs' disks are kept; `nil`: each boot starts from a clean root.
    public let disks: String?
    /// Run on each machine once it is up (the sandbox installs the kubeadm stand-ins there).
    let prepare: @Sendable (DisposableRoot) async throws -> Void
    private var machines: [Int: DisposableRoot] = [:]
    /// Why a VM has no machine, by VMID (shown by the sandbox, never silently dropped).
    public private(set) var problems: [Int: String] = [:]

    public init(lab: LabNetwork, disks: String? = nil, prepare: @escaping @Sendable (DisposableRoot) async throws -> Void = { _ in }) {
        self.lab = lab
        self.disks = disks
        self.prepare = prepare
    }

    /// The machine of VM `vmid`, once it has booted.
    public func machine(_ vmid: Int) -> DisposableRoot? { machines[vmid] }

    public func started(vmid: Int, config: [String: String]) async {
        guard machines[vmid] == nil else { return }
        let settings = (config["ipconfig0"] ?? "").split(separator: ",").reduce(into: [String: String]()) { fields, field in
            let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        guard let address = settings["ip"], address.contains("/") else {
            problems[vmid] = "VM \(vmid) has no static address in ipconfig0 (DHCP is not simulated)"
            return
        }
        let keys = (config["sshkeys"]?.removingPercentEncoding ?? "").split(separator: "\n").map(String.init)
        let users = config["ciuser"].map { [DisposableRoot.User($0, authorizedKeys: keys)] } ?? []
        do {
            let machine = try await DisposableRoot.start(
                network: .bridged(lab, address: address, gateway: settings["gw"]), users: users, disk: disks.map { "\($0)/vm-\(vmid)" })
            try await prepare(machine)
            machines[vmid] = machine
            problems[vmid] = nil
        } catch {
            problems[vmid] = "VM \(vmid) did not boot: \(error)"
        }
    }

    public func stopped(vmid: Int) async {
        await machines.removeValue(forKey: vmid)?.stop()
    }

    public func destroyed(vmid: Int) async {
        await machines.removeValue(forKey: vmid)?.stop()
        if let disks { try? FileManager.default.removeItem(atPath: "\(disks)/vm-\(vmid)") }
    }
}
