import Foundation
import Synchronization

/// A throwaway machine for host-configuration tests that need root: an overlay of the CI
/// machine's own root (so apt, dpkg, useradd and sysctl are the real ones) in its own mount, PID
/// and network namespaces, reached over a veth pair by its own sshd, logged in as root.
///
/// What needs the shared kernel or an init system is simulated (`Tests/Fixtures/DisposableRoot`):
/// `systemctl` keeps unit state in files and "reboots" by restarting sshd with a new boot id, and
/// `modprobe` marks modules under `/sys/module`. `net.*` sysctls are real and belong to the
/// namespace; `fs.*`, `vm.*` and `kernel.*` are the machine's own copies (its "kernel"). Every change lands in `upper/` and is deleted afterwards.
public final class DisposableRoot: @unchecked Sendable {
    public let directory: String
    public let address: String
    /// The host's end of the machine's network: where it reaches servers the test runs.
    public let gateway: String
    public let namespace: String
    public let pid: pid_t
    /// Whether this start made the disk (its first boot).
    public let isFirstBoot: Bool
    public let knownHosts: String
    public let key: String
    /// What the tests changed, as files: `upper/etc/passwd` exists once a user was added.
    public var upper: String { directory + "/upper" }

    /// The scripts the root is built with (next to this file).
    public static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("DisposableRootFiles").path

    /// Where the machine's network is.
    public enum Network: Sendable {
        /// Its own namespace, reached from the process's namespace over a veth pair on a /30 of
        /// 10.213.0.0/16 (the tests' machines).
        case isolated
        /// Its own namespace, plugged into the lab's bridge at `address` (`192.168.10.50/24`), with
        /// a default route through `gateway` (a VM on a Proxmox host's bridge).
        case bridged(LabNetwork, address: String, gateway: String?)
        /// The lab's namespace itself, its sshd on `address`, one of the bridge's addresses (the
        /// Proxmox host, whose network the lab is).
        case shared(LabNetwork, address: String)
    }

    /// A login the machine has besides root, as cloud-init makes one from `ciuser` and
    /// `sshkeys`: its own home with the keys, and sudo without a password.
    public struct User: Sendable {
        public var name: String
        public var authorizedKeys: [String]
        /// The first free UID from 1000, as adduser gives an installer's first user (Ubuntu's
        /// autoinstall identity); otherwise UIDs from 3000, clear of the CI machine's own.
        public var firstUser: Bool
        public init(_ name: String, authorizedKeys: [String], firstUser: Bool = false) {
            self.name = name
            self.authorizedKeys = authorizedKeys
            self.firstUser = firstUser
        }
    }

    /// The lab this machine is part of, if any (kept alive as long as the machine).
    public let lab: LabNetwork?
    private let ownsNamespace: Bool
    /// Whether the machine's files outlive it (a VM's disk), in `directory`.
    private let keepsDisk: Bool

    /// Builds the root and waits for its sshd, off Swift's cooperative pool. With `disk`, the
    /// machine's files (and host key) live there and outlive it: a machine started again on the
    /// same disk boots with them, as a VM does after a stop.
    /// `image` (path → contents; a `#!` script is executable; a path ending in `/` is a folder
    /// that hides what the CI machine's root has there) is what a new disk holds besides the CI
    /// machine's root, as an installer would have left it (a Proxmox host's network and grub
    /// files, the apt lists of the sandbox's archive); `files` are written at each start. Both go in before the root is mounted, so
    /// the machine sees them from its first instant.
    public static func start(
        network: Network = .isolated, users: [User] = [], disk: String? = nil, image: [String: String] = [:], files: [String: String] = [:]
    ) async throws -> DisposableRoot {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { try DisposableRoot(network: network, users: users, disk: disk, image: image, files: files) })
            }
        }
    }

    private init(network: Network, users: [User], disk: String?, image: [String: String], files: [String: String]) throws {
        guard geteuid() == 0 else {
            throw MachineError("a disposable root needs root (namespaces and chroot); run as root")
        }
        _ = Self.staleRemoved
        let slot = Self.claimSlot()
        directory = disk ?? "/tmp/homelab-root-\(slot)-\(UUID().uuidString.prefix(6))"
        keepsDisk = disk != nil
        let base = slot * 4
        let prefix = "10.213.\(base / 256)."
        switch network {
        case .isolated:
            (namespace, lab, ownsNamespace) = ("hkroot\(slot)", nil, true)
            address = prefix + String(base % 256 + 2)
            gateway = prefix + String(base % 256 + 1)
        case .bridged(let lab, let cidr, let router):
            (namespace, self.lab, ownsNamespace) = ("hkroot\(slot)", lab, true)
            address = String(cidr.split(separator: "/").first ?? "")
            gateway = router ?? String(lab.addresses.first?.split(separator: "/").first ?? "")
        case .shared(let lab, let host):
            (namespace, self.lab, ownsNamespace) = (lab.namespace, lab, false)
            address = host
            gateway = host
        }
        let fm = FileManager.default
        let ssh = "\(directory)/upper/etc/ssh/homelab-test"
        key = "\(directory)/id_ed25519"
        // A disk that booted before keeps its files, users and host key; only a new one is made.
        isFirstBoot = !fm.fileExists(atPath: "\(ssh)/host_ed25519")
        if isFirstBoot {
            for path in [
                "upper/etc/ssh/homelab-test", "upper/usr/local/lib/homelab-test", "upper/usr/bin", "upper/usr/sbin",
                "upper/usr/lib/systemd/system",
                "upper/var/lib/homelab-test", "work", "root",
            ] {
                try fm.createDirectory(atPath: "\(directory)/\(path)", withIntermediateDirectories: true)
            }
            // bash run by sshd reads ~/.bashrc; the CI machine's own (pyenv and the like) must not run here.
            try fm.createDirectory(atPath: "\(directory)/upper/root", withIntermediateDirectories: true)
            try "".write(toFile: "\(directory)/upper/root/.bashrc", atomically: false, encoding: .utf8)
            try Self.add(users, to: "\(directory)/upper")
            try Self.write(image, into: "\(directory)/upper")
            try Self.keygen(["-t", "ed25519", "-N", "", "-f", "\(ssh)/host_ed25519"])
            try Self.keygen(["-t", "ed25519", "-N", "", "-f", key])
            try fm.copyItem(atPath: key + ".pub", toPath: "\(ssh)/authorized_keys")
        }
        // The stand-ins of this version, also on a kept disk.
        try Self.install("init", at: "\(directory)/upper/usr/local/lib/homelab-test/init")
        try Self.install("systemctl", at: "\(directory)/upper/usr/bin/systemctl")
        try Self.install("modprobe", at: "\(directory)/upper/usr/sbin/modprobe")
        try Self.install("timedatectl", at: "\(directory)/upper/usr/bin/timedatectl")
        try Self.install("udevadm", at: "\(directory)/upper/usr/bin/udevadm")
        // udev's own folder for local rules, which every udev host has.
        try fm.createDirectory(atPath: "\(directory)/upper/etc/udev/rules.d", withIntermediateDirectories: true)
        try Self.install("curtin", at: "\(directory)/upper/usr/bin/curtin")
        try Self.write(files, into: "\(directory)/upper")
        // Every start is a new boot.
        try "\(UUID().uuidString.lowercased())\n".write(
            toFile: "\(directory)/upper/var/lib/homelab-test/boot_id", atomically: false, encoding: .utf8)
        try """
        ListenAddress \(address)
        HostKey /etc/ssh/homelab-test/host_ed25519
        AuthorizedKeysFile /etc/ssh/homelab-test/authorized_keys .ssh/authorized_keys
        PermitRootLogin prohibit-password
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        PidFile /run/sshd-test.pid
        Subsystem sftp internal-sftp
        MaxSessions 50
        MaxStartups 100
        LogLevel ERROR
        """.write(toFile: "\(ssh)/sshd_config", atomically: false, encoding: .utf8)
        let hostKey = try String(contentsOfFile: "\(ssh)/host_ed25519.pub", encoding: .utf8).split(separator: " ")
        knownHosts = "\(directory)/known_hosts"
        try "\(address) \(hostKey[0]) \(hostKey[1])\n".write(toFile: knownHosts, atomically: false, encoding: .utf8)

        // Owned first, so a run killed from here on leaves nothing the next one does not remove;
        // a failure here removes it at once (the machine is not made, so nothing else will).
        if ownsNamespace { try LabNetwork.recordOwner(of: namespace, directory: disk == nil ? directory : nil, machineAt: directory) }
        do {
            try Self.plug(network, namespace: namespace, hostSide: "\(namespace)h", isolated: (prefix + String(base % 256 + 1), address))
        } catch {
            if ownsNamespace { LabNetwork.remove(namespace) }
            if disk == nil { try? fm.removeItem(atPath: directory) }
            throw error
        }
        pid = try Spawn.start(
            "/usr/sbin/ip",
            [
                "netns", "exec", namespace, "unshare", "--mount", "--pid", "--fork", "--kill-child", "/bin/sh", Self.fixtures + "/enter.sh",
                directory,
            ],
            outputPath: "\(directory)/root.log")
        Self.live.withLock { $0[directory] = (pid, ownsNamespace ? namespace : nil, keepsDisk) }
        _ = Self.cleanups  // registers the exit handler
        try waitUntilListening()
    }

    /// Cleans up off the thread that drops the last reference (often a cooperative one, which
    /// must not block); the process waits for every cleanup at exit, so nothing is left behind.
    /// Writes the users into the overlay's upper layer before it is mounted: the CI machine's
    /// accounts plus these (uids from 3000, clear of its own), a home with the keys, and sudo.
    private static func add(_ users: [User], to upper: String) throws {
        guard !users.isEmpty else { return }
        let fm = FileManager.default
        var passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        var group = try String(contentsOfFile: "/etc/group", encoding: .utf8)
        var shadow = (try? String(contentsOfFile: "/etc/shadow", encoding: .utf8)) ?? ""
        try fm.createDirectory(atPath: "\(upper)/etc/sudoers.d", withIntermediateDirectories: true)
        let taken = Set(
            passwd.split(separator: "\n").compactMap {
                $0.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first.flatMap { Int($0) }
            })
        for (index, user) in users.enumerated() {
            let id = user.firstUser ? (1000...).first { !taken.contains($0) } ?? 1000 : 3000 + index
            passwd += "\(user.name):x:\(id):\(id)::/home/\(user.name):/bin/bash\n"
            group += "\(user.name):x:\(id):\n"
            // "*": no password, not locked (sshd refuses locked accounts without PAM).
            shadow += "\(user.name):*:19000:0:99999:7:::\n"
            try fm.createDirectory(atPath: "\(upper)/home/\(user.name)/.ssh", withIntermediateDirectories: true)
            try (user.authorizedKeys.joined(separator: "\n") + "\n").write(
                toFile: "\(upper)/home/\(user.name)/.ssh/authorized_keys", atomically: false, encoding: .utf8)
            try "".write(toFile: "\(upper)/home/\(user.name)/.bashrc", atomically: false, encoding: .utf8)
            _ = try run("/bin/chown", ["-R", "\(id):\(id)", "\(upper)/home/\(user.name)"])
            try "\(user.name) ALL=(ALL) NOPASSWD:ALL\n".write(
                toFile: "\(upper)/etc/sudoers.d/\(user.name)", atomically: false, encoding: .utf8)
            chmod("\(upper)/etc/sudoers.d/\(user.name)", 0o440)
        }
        try passwd.write(toFile: "\(upper)/etc/passwd", atomically: false, encoding: .utf8)
        try group.write(toFile: "\(upper)/etc/group", atomically: false, encoding: .utf8)
        try shadow.write(toFile: "\(upper)/etc/shadow", atomically: false, encoding: .utf8)
        chmod("\(upper)/etc/shadow", 0o640)
    }

    /// Writes `files` into the overlay's upper layer (before it is mounted); `#!` scripts executable.
    private static func write(_ files: [String: String], into upper: String) throws {
        let fm = FileManager.default
        // Folders first: an opaque one (overlayfs's `trusted.overlay.opaque`) shows only its own files.
        for path in files.keys.filter({ $0.hasSuffix("/") }) {
            try fm.createDirectory(atPath: upper + path, withIntermediateDirectories: true)
            guard let setxattr = Self.setxattr, setxattr(upper + path, "trusted.overlay.opaque", "y", 1, 0) == 0 else {
                throw MachineError("cannot hide \(path) of the machine's root: \(String(cString: strerror(errno)))")
            }
        }
        for (path, text) in files where !path.hasSuffix("/") {
            let file = upper + path
            try fm.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? fm.removeItem(atPath: file)
            let mode = text.hasPrefix("#!") ? 0o755 : 0o644
            guard fm.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
                throw MachineError("cannot write \(path) for the machine")
            }
        }
    }

    /// glibc's `setxattr`, which Swift's Glibc module does not import.
    private typealias SetXattr = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer, Int, Int32) -> Int32
    private static let setxattr: SetXattr? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setxattr") else { return nil }
        return unsafeBitCast(symbol, to: SetXattr.self)
    }()

    /// Makes the machine's network: its namespace and the veth pair to the process's namespace
    /// or to the lab's bridge; nothing for a machine sharing the lab's namespace.
    private static func plug(_ network: Network, namespace: String, hostSide: String, isolated: (host: String, machine: String)) throws {
        let ip = "/usr/sbin/ip"
        if case .shared = network { return }
        // What a killed test run may have left under this name goes first.
        _ = try? Spawn.run(ip, ["netns", "del", namespace])
        _ = try? Spawn.run(ip, ["link", "del", hostSide])
        try run(ip, ["netns", "add", namespace])
        try run(ip, ["link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", namespace])
        switch network {
        case .isolated, .shared:
            try run(ip, ["addr", "add", isolated.host + "/30", "dev", hostSide])
            try run(ip, ["link", "set", hostSide, "up"])
            try run(ip, ["-n", namespace, "addr", "add", isolated.machine + "/30", "dev", "eth0"])
        case .bridged(let lab, let cidr, _):
            try run(ip, ["link", "set", hostSide, "netns", lab.namespace])
            try run(ip, ["-n", lab.namespace, "link", "set", hostSide, "master", lab.bridge, "up"])
            try run(ip, ["-n", namespace, "addr", "add", cidr, "dev", "eth0"])
        }
        try run(ip, ["-n", namespace, "link", "set", "eth0", "up"])
        try run(ip, ["-n", namespace, "link", "set", "lo", "up"])
        if case .bridged(_, _, let gateway?) = network { try run(ip, ["-n", namespace, "route", "add", "default", "via", gateway]) }
    }

    /// Stops the machine now (its processes and namespace; its files unless they are a kept
    /// disk), off the cooperative pool; afterwards the value is inert.
    public func stop() async {
        let (pid, directory, namespace, keepsDisk) = (self.pid, self.directory, ownsNamespace ? self.namespace : nil, self.keepsDisk)
        guard Self.live.withLock({ $0.removeValue(forKey: directory) }) != nil else { return }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                Self.remove(pid: pid, directory: directory, namespace: namespace, keepsDisk: keepsDisk)
                continuation.resume()
            }
        }
    }

    deinit {
        let (pid, directory, namespace, keepsDisk) = (self.pid, self.directory, ownsNamespace ? self.namespace : nil, self.keepsDisk)
        // Stopped already.
        guard Self.live.withLock({ $0.removeValue(forKey: directory) }) != nil else { return }
        Self.cleanups.enter()
        DispatchQueue.global().async {
            Self.remove(pid: pid, directory: directory, namespace: namespace, keepsDisk: keepsDisk)
            Self.cleanups.leave()
        }
    }

    private static func remove(pid: pid_t, directory: String, namespace: String?, keepsDisk: Bool) {
        Spawn.stop(pid)
        if let namespace { LabNetwork.remove(namespace) }
        if !keepsDisk { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Machines not released yet: a test that ends while a task still holds one (the process
    /// exits first) must not leave its namespace and processes behind.
    private static let live = Mutex<[String: (pid: pid_t, namespace: String?, keepsDisk: Bool)]>([:])

    private static let cleanups: DispatchGroup = {
        atexit {
            for (directory, machine) in DisposableRoot.live.withLock({ $0 }) {
                DisposableRoot.remove(pid: machine.pid, directory: directory, namespace: machine.namespace, keepsDisk: machine.keepsDisk)
            }
            DisposableRoot.cleanups.wait()
        }
        return DispatchGroup()
    }()

    /// Makes the machine a node of a simulated cluster: `kubeadm` (a stand-in that checks its
    /// arguments and files as kubeadm does, `DisposableRootFiles/kubeadm`) drives the Kubernetes
    /// API simulator at `server` with `token`. Each of its phases takes `phaseDelay`. The `cilium`
    /// CLI stand-in is installed too (`DisposableRootFiles/cilium`), and the kubeadm stand-in as
    /// the kubelet, whose unit the systemctl stand-in starts.
    public func installKubeadm(server: String, caPEM: String, token: String, version: String, phaseDelay: Duration = .zero) throws {
        try Self.install("kubeadm", at: "\(upper)/usr/bin/kubeadm")
        // The same program is the node's kubelet, started by the systemctl stand-in.
        try Self.install("kubeadm", at: "\(upper)/usr/bin/kubelet")
        let unit = "[Unit]\nDescription=kubelet (HomelabKit test stand-in)\n[Service]\nExecStart=/usr/bin/kubelet\n"
        guard FileManager.default.createFile(atPath: "\(upper)/usr/lib/systemd/system/kubelet.service", contents: Data(unit.utf8)) else {
            throw MachineError("cannot write the kubelet unit")
        }
        // In /usr/bin, which the overlay had at start (a directory added to it later may not show).
        try Self.install("cilium", at: "\(upper)/usr/bin/cilium")
        let seconds = Double(phaseDelay.components.seconds) + Double(phaseDelay.components.attoseconds) / 1e18
        let settings: [String: Any] = ["server": server, "ca": caPEM, "token": token, "version": "v\(version)", "phaseDelay": seconds]
        let data = try JSONSerialization.data(withJSONObject: settings)
        let path = "\(upper)/var/lib/homelab-test/kubeadm.json"
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw MachineError("cannot write \(path)")
        }
    }

    /// Writes `text` to `path` inside the machine, through the overlay's upper layer (the
    /// directory must have existed when the machine started, or the machine may not see it).
    public func write(_ path: String, _ text: String, mode: Int = 0o644) throws {
        guard FileManager.default.createFile(atPath: upper + path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw MachineError("cannot write \(path) on the machine at \(address)")
        }
    }

    /// Lets `keys` (public keys, one per line of authorized_keys) log in as root too; a key
    /// already there is not added again.
    public func authorize(_ keys: [String]) throws {
        let path = "/etc/ssh/homelab-test/authorized_keys"
        var lines = (contents(of: path) ?? "").split(separator: "\n").map(String.init)
        for key in keys where !lines.contains(key) { lines.append(key) }
        try write(path, lines.joined(separator: "\n") + "\n", mode: 0o600)
    }

    /// What the machine's kubeadm did (`init <node>`, `join <node>`, `reset`), in order.
    public var kubeadmLog: [String] {
        (contents(of: "/var/lib/homelab-test/kubeadm.log") ?? "").split(separator: "\n").map(String.init)
    }

    /// A slot (network and names) no other machine of this process uses.
    private static func claimSlot() -> Int {
        slots.withLock { used in
            var slot = Int.random(in: 0..<16384)
            while used.contains(slot) { slot = Int.random(in: 0..<16384) }
            used.insert(slot)
            return slot
        }
    }

    private static let slots = Mutex<Set<Int>>([])

    /// Once per process: what killed runs left (their owner is gone) is removed first.
    private static let staleRemoved: Void = LabNetwork.removeStale()

    /// The root's view of a file, read from outside through the overlay's upper layer or, when
    /// unchanged, the machine's own root.
    public func contents(of path: String) -> String? {
        (try? String(contentsOfFile: upper + path, encoding: .utf8)) ?? (try? String(contentsOfFile: path, encoding: .utf8))
    }

    private static func install(_ fixture: String, at path: String) throws {
        // A kept disk has it from an earlier boot: this one installs the current version.
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: "\(fixtures)/\(fixture)", toPath: path)
        chmod(path, 0o755)
    }

    private func waitUntilListening() throws {
        for _ in 0..<200 {
            if let lab { if lab.isListening(address, 22) { return } } else if Self.isListening(address, 22) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { break }
            usleep(50_000)
        }
        let log = (try? String(contentsOfFile: "\(directory)/root.log", encoding: .utf8)) ?? ""
        throw MachineError("the disposable root's sshd at \(address) did not start: \(log)")
    }

    static func keygen(_ arguments: [String]) throws { try run("/usr/bin/ssh-keygen", ["-q"] + arguments) }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let (status, output) = try Spawn.run(executable, arguments)
        guard status == 0 else { throw MachineError("\(executable) \(arguments.joined(separator: " ")) exited \(status): \(output)") }
        return output
    }

    /// Whether a TCP connection to `host:port` (IPv4) is accepted.
    public static func isListening(_ host: String, _ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// A disposable machine could not be made.
public struct MachineError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
