import Foundation
import SSH

/// The sandbox's VMs: a started VM boots a disposable machine plugged into the lab's bridge at
/// the address its cloud-init settings give (`ipconfig0: ip=192.168.10.50/24,gw=192.168.10.1`),
/// with the cloud-init user (`ciuser`, sudo without a password) and keys (`sshkeys`, which PVE
/// keeps URL-encoded); a stopped VM's machine goes. With `disks`, each VM's files (its disk, host
/// key included) live in `disks/vm-<vmid>` and outlive a stop, as a VM's disk does; destroying
/// the VM removes them.
///
/// A VM without a cloud-init address (a template's build VM, which Packer found through DHCP and
/// the guest agent) boots at the address ``fixedAddresses`` gives it: the DHCP reservation the
/// description assumes. Every machine also authorizes ``sandboxKeys`` for its user (the keys the
/// sandbox logs in with, as a user's own key replaces the description's placeholder), and its
/// host key is written to ``knownHosts`` for its address, as a user checks a new VM's key out of
/// band.
public actor SandboxGuests: PVEGuestHost {
    /// A VM's address (CIDR) and login when its configuration has no `ipconfig0`: a template's
    /// build VM, whose user the unattended install made (the installer's first user) and whose
    /// `late-commands` ran at the end of the install, with the new system at `/target`.
    public struct FixedAddress: Sendable {
        public var address: String
        public var user: String
        public var packages: [String]
        public var lateCommands: [String]
        public init(address: String, user: String, packages: [String] = [], lateCommands: [String] = []) {
            self.address = address
            self.user = user
            self.packages = packages
            self.lateCommands = lateCommands
        }
    }

    public let lab: LabNetwork
    /// Where VMs' disks are kept; `nil`: each boot starts from a clean root.
    public let disks: String?
    public let fixedAddresses: [Int: FixedAddress]
    public let sandboxKeys: [String]
    public let knownHosts: String?
    /// Written on every machine at each boot (the lab's `/etc/hosts` and trust store).
    public let files: [String: String]
    /// What a new VM's disk holds (``DisposableRoot/start(network:users:disk:image:files:)``).
    public let image: [String: String]
    /// Run on each machine once it is up (the sandbox installs the kubeadm stand-ins there).
    let prepare: @Sendable (DisposableRoot) async throws -> Void
    private var machines: [Int: DisposableRoot] = [:]
    private var booting: Set<Int> = []
    private var stopRequested: Set<Int> = []
    /// Why a VM has no machine, by VMID (shown by the sandbox, never silently dropped).
    public private(set) var problems: [Int: String] = [:]

    public init(
        lab: LabNetwork, disks: String? = nil, fixedAddresses: [Int: FixedAddress] = [:], sandboxKeys: [String] = [],
        knownHosts: String? = nil, files: [String: String] = [:], image: [String: String] = [:],
        prepare: @escaping @Sendable (DisposableRoot) async throws -> Void = { _ in }
    ) {
        self.files = files
        self.image = image
        self.lab = lab
        self.disks = disks
        self.fixedAddresses = fixedAddresses
        self.sandboxKeys = sandboxKeys
        self.knownHosts = knownHosts
        self.prepare = prepare
    }

    /// The machine of VM `vmid`, once it has booted.
    public func machine(_ vmid: Int) -> DisposableRoot? { machines[vmid] }

    /// Every running machine, by VMID.
    public var running: [Int: DisposableRoot] { machines }

    public func started(vmid: Int, config: [String: String]) async {
        // Booting already (the actor is reentrant while a machine starts): one machine per disk.
        guard machines[vmid] == nil, booting.insert(vmid).inserted else { return }
        defer {
            booting.remove(vmid)
            stopRequested.remove(vmid)
        }
        let settings = (config["ipconfig0"] ?? "").split(separator: ",").reduce(into: [String: String]()) { fields, field in
            let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        let fixed = fixedAddresses[vmid]
        guard let address = settings["ip"] ?? fixed?.address, address.contains("/") else {
            problems[vmid] = "VM \(vmid) has no static address in ipconfig0 (DHCP is not simulated)"
            return
        }
        let keys = (config["sshkeys"]?.removingPercentEncoding ?? "").split(separator: "\n").map(String.init) + sandboxKeys
        let users =
            (config["ciuser"] ?? fixed?.user).map { [DisposableRoot.User($0, authorizedKeys: keys, firstUser: config["ciuser"] == nil)] }
            ?? []
        do {
            let machine = try await DisposableRoot.start(
                network: .bridged(lab, address: address, gateway: settings["gw"]), users: users, disk: disks.map { "\($0)/vm-\(vmid)" },
                image: image, files: files)
            // Stopped while it booted: it goes at once.
            if stopRequested.remove(vmid) != nil {
                await machine.stop()
                return
            }
            if machine.isFirstBoot, let fixed, config["ciuser"] == nil { try await Self.finishInstall(fixed, on: machine) }
            try await prepare(machine)
            if let knownHosts { try Self.record(machine, in: knownHosts) }
            machines[vmid] = machine
            problems[vmid] = nil
        } catch {
            problems[vmid] = "VM \(vmid) did not boot: \(error)"
        }
    }

    /// What the unattended install did last, on the build VM's first boot: the autoinstall's
    /// `packages` installed (from the sandbox's archive), then its `late-commands` run as the
    /// installer runs them, as root with `sh -c`, the new system at `/target` (here the machine's
    /// own root; `curtin in-target` runs its command there). Over SSH as root, with the machine's
    /// own key.
    static func finishInstall(_ install: FixedAddress, on machine: DisposableRoot) async throws {
        var lines = ["set -e", "ln -sfn / /target"]
        if !install.packages.isEmpty {
            lines.append(
                "DEBIAN_FRONTEND=noninteractive apt-get install -y -q " + install.packages.map(ShellCommand.quote).joined(separator: " "))
        }
        let script = (lines + install.lateCommands).joined(separator: "\n")
        let arguments = [
            "-i", machine.key, "-o", "UserKnownHostsFile=\(machine.knownHosts)", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
            "root@\(machine.address)", "sh", "-c", ShellCommand.quote(script),
        ]
        let (status, output) = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try Spawn.run("/usr/bin/ssh", arguments) }) }
        }
        guard status == 0 else { throw MachineError("the install's packages or late-commands failed (\(status)): \(output)") }
    }

    /// Replaces what `knownHosts` says of the machine's address with its host key.
    static func record(_ machine: DisposableRoot, in knownHosts: String) throws {
        let own = try String(contentsOfFile: machine.knownHosts, encoding: .utf8)
        let others = ((try? String(contentsOfFile: knownHosts, encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { !$0.hasPrefix("\(machine.address) ") }
        let text = others.map { "\($0)\n" }.joined() + own
        guard FileManager.default.createFile(atPath: knownHosts, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw MachineError("cannot write \(knownHosts)")
        }
    }

    public func stopped(vmid: Int) async {
        if booting.contains(vmid) { stopRequested.insert(vmid) }
        await machines.removeValue(forKey: vmid)?.stop()
    }

    public func destroyed(vmid: Int) async {
        if booting.contains(vmid) { stopRequested.insert(vmid) }
        await machines.removeValue(forKey: vmid)?.stop()
        if let disks { try? FileManager.default.removeItem(atPath: "\(disks)/vm-\(vmid)") }
    }
}
