import Foundation
import HomelabKitTesting
import SSH

/// A throwaway machine for host-configuration tests that need root: an overlay of the CI
/// machine's own root (so apt, dpkg, useradd and sysctl are the real ones) in its own mount, PID
/// and network namespaces, reached over a veth pair by its own sshd, logged in as root.
///
/// What needs the shared kernel or an init system is simulated (`Tests/Fixtures/DisposableRoot`):
/// `systemctl` keeps unit state in files and "reboots" by restarting sshd with a new boot id, and
/// `modprobe` marks modules under `/sys/module`. Global sysctls are read-only; `net.*` ones are
/// real and belong to the namespace. Every change lands in `upper/` and is deleted afterwards.
final class DisposableRoot: @unchecked Sendable {
    let directory: String
    let address: String
    let namespace: String
    let pid: pid_t
    let knownHosts: String
    let key: String
    /// What the tests changed, as files: `upper/etc/passwd` exists once a user was added.
    var upper: String { directory + "/upper" }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/DisposableRoot").path

    static func start() async throws -> DisposableRoot { try await offCooperativePool { try DisposableRoot() } }

    private init() throws {
        guard geteuid() == 0 else {
            throw SSHError.connectionFailed(host: "disposable root", detail: "namespaces and chroot need root; run the tests as root")
        }
        let slot = Int.random(in: 0..<16384)
        directory = "/tmp/homelab-root-\(slot)-\(UUID().uuidString.prefix(6))"
        namespace = "hkroot\(slot)"
        let base = slot * 4
        let prefix = "10.213.\(base / 256)."
        address = prefix + String(base % 256 + 2)
        let fm = FileManager.default
        for path in [
            "upper/etc/ssh/homelab-test", "upper/usr/local/lib/homelab-test", "upper/usr/bin", "upper/usr/sbin",
            "upper/var/lib/homelab-test", "work", "root",
        ] {
            try fm.createDirectory(atPath: "\(directory)/\(path)", withIntermediateDirectories: true)
        }
        // bash run by sshd reads ~/.bashrc; the CI machine's own (pyenv and the like) must not run here.
        try fm.createDirectory(atPath: "\(directory)/upper/root", withIntermediateDirectories: true)
        try "".write(toFile: "\(directory)/upper/root/.bashrc", atomically: true, encoding: .utf8)
        try Self.install("init", at: "\(directory)/upper/usr/local/lib/homelab-test/init")
        try Self.install("systemctl", at: "\(directory)/upper/usr/bin/systemctl")
        try Self.install("modprobe", at: "\(directory)/upper/usr/sbin/modprobe")
        try "\(UUID().uuidString.lowercased())\n".write(
            toFile: "\(directory)/upper/var/lib/homelab-test/boot_id", atomically: false, encoding: .utf8)

        let ssh = "\(directory)/upper/etc/ssh/homelab-test"
        try SSHDHarness.keygen(["-t", "ed25519", "-N", "", "-f", "\(ssh)/host_ed25519"])
        key = "\(directory)/id_ed25519"
        try SSHDHarness.keygen(["-t", "ed25519", "-N", "", "-f", key])
        try fm.copyItem(atPath: key + ".pub", toPath: "\(ssh)/authorized_keys")
        try """
        ListenAddress \(address)
        HostKey /etc/ssh/homelab-test/host_ed25519
        AuthorizedKeysFile /etc/ssh/homelab-test/authorized_keys
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
        """.write(toFile: "\(ssh)/sshd_config", atomically: true, encoding: .utf8)
        let hostKey = try String(contentsOfFile: "\(ssh)/host_ed25519.pub", encoding: .utf8).split(separator: " ")
        knownHosts = "\(directory)/known_hosts"
        try "\(address) \(hostKey[0]) \(hostKey[1])\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)

        let ip = "/usr/sbin/ip"
        _ = try? Spawn.run(ip, ["netns", "del", namespace])
        try SSHDHarness.run(ip, ["netns", "add", namespace])
        try SSHDHarness.run(ip, ["link", "add", "\(namespace)h", "type", "veth", "peer", "name", "eth0", "netns", namespace])
        try SSHDHarness.run(ip, ["addr", "add", prefix + String(base % 256 + 1) + "/30", "dev", "\(namespace)h"])
        try SSHDHarness.run(ip, ["link", "set", "\(namespace)h", "up"])
        try SSHDHarness.run(ip, ["-n", namespace, "addr", "add", address + "/30", "dev", "eth0"])
        try SSHDHarness.run(ip, ["-n", namespace, "link", "set", "eth0", "up"])
        try SSHDHarness.run(ip, ["-n", namespace, "link", "set", "lo", "up"])
        pid = try Spawn.start(
            ip,
            [
                "netns", "exec", namespace, "unshare", "--mount", "--pid", "--fork", "--kill-child", "/bin/sh", Self.fixtures + "/enter.sh",
                directory,
            ],
            outputPath: "\(directory)/root.log")
        try waitUntilListening()
    }

    /// Cleans up off the thread that drops the last reference (often a cooperative one, which
    /// must not block); the process waits for every cleanup at exit, so nothing is left behind.
    deinit {
        let (pid, directory, namespace) = (self.pid, self.directory, self.namespace)
        Self.cleanups.enter()
        DispatchQueue.global().async {
            Spawn.stop(pid)
            _ = try? Spawn.run("/usr/sbin/ip", ["netns", "del", namespace])
            try? FileManager.default.removeItem(atPath: directory)
            Self.cleanups.leave()
        }
    }

    private static let cleanups: DispatchGroup = {
        atexit { DisposableRoot.cleanups.wait() }
        return DispatchGroup()
    }()

    func configuration() -> SSHConfiguration {
        SSHConfiguration(
            host: address, user: "root", authentication: .privateKey(path: key), hostKeys: .knownHosts(knownHosts),
            connectTimeout: .seconds(5), operationTimeout: .seconds(120))
    }

    /// The root's view of a file, read from outside through the overlay's upper layer or, when
    /// unchanged, the machine's own root.
    func contents(of path: String) -> String? {
        (try? String(contentsOfFile: upper + path, encoding: .utf8)) ?? (try? String(contentsOfFile: path, encoding: .utf8))
    }

    private static func install(_ fixture: String, at path: String) throws {
        try FileManager.default.copyItem(atPath: "\(fixtures)/\(fixture)", toPath: path)
        chmod(path, 0o755)
    }

    private func waitUntilListening() throws {
        for _ in 0..<200 {
            if SSHDHarness.isListening(address, 22) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { break }
            usleep(50_000)
        }
        let log = (try? String(contentsOfFile: "\(directory)/root.log", encoding: .utf8)) ?? ""
        throw SSHError.connectionFailed(host: address, detail: "the disposable root's sshd did not start: \(log)")
    }
}
