import Foundation
import Synchronization

/// A lab's network, made only of namespaces: a network namespace holding a bridge (`vmbr0`, as on
/// a Proxmox host) with the lab's host-side addresses, such as the node's 192.168.10.2/24 and the
/// router's 192.168.10.1/24. Machines plug into the bridge at their declared addresses
/// (``DisposableRoot/Network/bridged(_:address:gateway:)``); nothing of it exists in the
/// namespace the process started in, so no packet for those addresses leaves the machine.
///
/// The namespace is removed when the value goes, when the process exits, and, after a kill, by
/// ``removeStale()`` in the next run: each lab records its owner's pid.
public final class LabNetwork: Sendable {
    public let namespace: String
    public let bridge: String
    /// The bridge's addresses, as CIDRs.
    public let addresses: [String]

    /// Where each lab and machine records the pid of the process that owns it.
    static let owners = "/run/homelabkit"

    private init(namespace: String, bridge: String, addresses: [String]) {
        self.namespace = namespace
        self.bridge = bridge
        self.addresses = addresses
    }

    /// Makes the namespace and its bridge with `addresses` (CIDRs such as `192.168.10.1/24`).
    public static func create(bridge: String = "vmbr0", addresses: [String]) throws -> LabNetwork {
        guard geteuid() == 0 else {
            throw MachineError("a sandbox lab network needs root (network namespaces and a bridge); run as root")
        }
        removeStale()
        let namespace = "hklab\(getpid() % 100_000)x\(labCount.add(1, ordering: .relaxed).newValue)"
        let ip = "/usr/sbin/ip"
        try DisposableRoot.run(ip, ["netns", "add", namespace])
        let lab = LabNetwork(namespace: namespace, bridge: bridge, addresses: addresses)
        try recordOwner(of: namespace)
        _ = Self.live.withLock { $0.insert(namespace) }
        _ = Self.exitHandler
        try DisposableRoot.run(ip, ["-n", namespace, "link", "set", "lo", "up"])
        try DisposableRoot.run(ip, ["-n", namespace, "link", "add", bridge, "type", "bridge"])
        for address in addresses { try DisposableRoot.run(ip, ["-n", namespace, "addr", "add", address, "dev", bridge]) }
        try DisposableRoot.run(ip, ["-n", namespace, "link", "set", bridge, "up"])
        return lab
    }

    /// The lab `namespace` this process made before it re-executed itself inside it (same pid,
    /// so the owner record still names it): removed, as one it created, when this process ends.
    public static func adopt(namespace: String, bridge: String = "vmbr0", addresses: [String]) throws -> LabNetwork {
        guard FileManager.default.fileExists(atPath: "/run/netns/\(namespace)") else {
            throw MachineError("the lab network \(namespace) does not exist")
        }
        _ = Self.live.withLock { $0.insert(namespace) }
        _ = Self.exitHandler
        return LabNetwork(namespace: namespace, bridge: bridge, addresses: addresses)
    }

    deinit {
        let namespace = self.namespace
        Self.live.withLock { _ = $0.remove(namespace) }
        Self.remove(namespace)
    }

    /// Runs `arguments` inside the lab's network (`ip netns exec`); its status and output.
    public func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try Spawn.run("/usr/sbin/ip", ["netns", "exec", namespace] + arguments)
    }

    /// Whether a TCP connection to `host:port` is accepted inside the lab's network.
    public func isListening(_ host: String, _ port: Int) -> Bool {
        if containsThisProcess { return DisposableRoot.isListening(host, port) }
        return (try? run(["/bin/bash", "-c", ": </dev/tcp/\(host)/\(port)"]))?.status == 0
    }

    /// Whether this process already runs in the lab's network (it re-executed itself there).
    public var containsThisProcess: Bool {
        // `/proc/self/ns/net` reads as `net:[<inode>]`; the named namespace is a file with that inode.
        guard let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net"),
            let inode = (try? FileManager.default.attributesOfItem(atPath: "/run/netns/\(namespace)"))?[.systemFileNumber] as? Int
        else { return false }
        return own == "net:[\(inode)]"
    }

    // MARK: Cleanup

    /// Removes the labs and machines whose owner process is gone (a run killed with SIGKILL):
    /// their processes, namespaces and directories, and their temporary files.
    public static func removeStale() {
        TemporaryFiles.removeStale()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: owners) else { return }
        for entry in entries {
            let path = "\(owners)/\(entry)"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let fields = text.split(separator: "\n").map(String.init)
            guard let pid = fields.first.flatMap({ pid_t($0) }), OwnerProcess.isGone(pid, wrote: path) else { continue }
            for field in fields.dropFirst() {
                if field.hasPrefix("machine at ") {
                    // Found by its folder, the last argument of its enter.sh: recorded before the
                    // machine starts, so a run killed at any moment leaves none unrecorded, and
                    // never mistaken for another run's machine that got a dead one's pid.
                    let folder = "\0" + field.dropFirst("machine at ".count) + "\0"
                    for process in ProcessTable.commandLines()
                    where process.command.contains("enter.sh") && process.command.hasSuffix(folder) {
                        kill(process.pid, SIGKILL)
                    }
                } else if !field.hasPrefix("machine ") {  // a record from before machines were kept by folder
                    try? FileManager.default.removeItem(atPath: field)
                }
            }
            remove(entry)
        }
    }

    /// Records this process as the owner of `namespace` (and of `directory`, removed with it, and
    /// of the machine running in it, by the folder it boots from).
    static func recordOwner(of namespace: String, directory: String? = nil, machineAt folder: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: owners, withIntermediateDirectories: true)
        let text = "\(getpid())\n" + (directory.map { "\($0)\n" } ?? "") + (folder.map { "machine at \($0)\n" } ?? "")
        guard FileManager.default.createFile(atPath: "\(owners)/\(namespace)", contents: Data(text.utf8)) else {
            throw MachineError("cannot write \(owners)/\(namespace)")
        }
    }

    /// Kills what runs in the namespace, then deletes it and its owner record.
    static func remove(_ namespace: String) {
        if let (status, pids) = try? Spawn.run("/usr/sbin/ip", ["netns", "pids", namespace]), status == 0 {
            // Not this process: a sandbox run removes the lab it runs in as it exits.
            for pid in pids.split(separator: "\n").compactMap({ pid_t($0) }) where pid != getpid() { kill(pid, SIGKILL) }
        }
        _ = try? Spawn.run("/usr/sbin/ip", ["netns", "del", namespace])
        try? FileManager.default.removeItem(atPath: "\(owners)/\(namespace)")
        try? FileManager.default.removeItem(atPath: "/etc/netns/\(namespace)")
    }

    private static let labCount = Atomic<Int>(0)
    private static let live = Mutex<Set<String>>([])
    private static let exitHandler: Void = {
        atexit {
            for namespace in LabNetwork.live.withLock({ $0 }) { LabNetwork.remove(namespace) }
        }
    }()
}
