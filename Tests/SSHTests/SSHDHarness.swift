import Foundation
import HomelabKitTesting
import HomelabSandbox
import SSH

/// A real OpenSSH server (Debian's `sshd`) on 127.0.0.1 and a free port, with throwaway host and
/// user keys, run as the current user. `scripts/setup --test` installs openssh-server; a missing
/// sshd makes the tests fail, never skip.
final class SSHDHarness: @unchecked Sendable {
    let directory: String
    let port: Int
    let user: String
    let pid: pid_t
    /// `SHA256:…` of the server's host key.
    let fingerprint: String
    /// A known_hosts file that lists this server.
    let knownHosts: String

    static let keyTypes = ["ed25519", "ecdsa", "rsa"]
    static let passphrase = "correct horse battery staple"

    /// Generates keys and starts sshd off the cooperative pool.
    static func start() async throws -> SSHDHarness { try await offCooperativePool { try SSHDHarness() } }

    private init() throws {
        let directory = NSTemporaryDirectory() + "sshd-\(UUID().uuidString.prefix(8))"
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        user = String(cString: getpwuid(geteuid()).pointee.pw_name)
        try Self.keygen(["-t", "ed25519", "-N", "", "-f", "\(directory)/host_ed25519"])
        for type in Self.keyTypes { try Self.keygen(["-t", type, "-N", "", "-f", "\(directory)/id_\(type)"]) }
        try Self.keygen(["-t", "ed25519", "-N", Self.passphrase, "-f", "\(directory)/id_protected"])
        try Self.keygen(["-t", "ed25519", "-N", "", "-f", "\(directory)/id_stranger"])
        let authorized = try (Self.keyTypes.map { "id_\($0)" } + ["id_protected"]).map {
            try String(contentsOfFile: "\(directory)/\($0).pub", encoding: .utf8)
        }.joined()
        try authorized.write(toFile: "\(directory)/authorized_keys", atomically: false, encoding: .utf8)
        chmod("\(directory)/authorized_keys", 0o600)

        port = try Self.freePort()
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory)/host_ed25519
            AuthorizedKeysFile \(directory)/authorized_keys
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            UsePAM no
            StrictModes no
            PidFile \(directory)/sshd.pid
            Subsystem sftp internal-sftp
            # libssh2 1.10 (Debian 12) signs with ssh-rsa (SHA-1) only; OpenSSH 9 refuses that by
            # default. RSA keys work only where the server still accepts it (see the README).
            PubkeyAcceptedAlgorithms +ssh-rsa
            MaxSessions 50
            MaxStartups 100
            LogLevel ERROR
            """
        try config.write(toFile: "\(directory)/sshd_config", atomically: false, encoding: .utf8)
        // sshd run by root wants its privilege-separation directory.
        if geteuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        pid = try Spawn.start("/usr/sbin/sshd", ["-D", "-e", "-f", "\(directory)/sshd_config"], outputPath: "\(directory)/sshd.log")
        let hostKey = try String(contentsOfFile: "\(directory)/host_ed25519.pub", encoding: .utf8).split(separator: " ")
        knownHosts = "\(directory)/known_hosts"
        try "[127.0.0.1]:\(port) \(hostKey[0]) \(hostKey[1])\n".write(toFile: knownHosts, atomically: false, encoding: .utf8)
        fingerprint = String(try Self.run("/usr/bin/ssh-keygen", ["-lf", "\(directory)/host_ed25519.pub"]).split(separator: " ")[1])
        try waitUntilListening()
    }

    deinit {
        // Off the thread that drops the last reference, which may be a cooperative one.
        let (pid, directory) = (self.pid, self.directory)
        DispatchQueue.global().async {
            Spawn.stop(pid)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    func configuration(
        key: String = "id_ed25519",
        passphrase: String? = nil,
        hostKeys: HostKeyPolicy? = nil,
        authentication: SSHAuthentication? = nil
    ) -> SSHConfiguration {
        SSHConfiguration(
            host: "127.0.0.1",
            port: port,
            user: user,
            authentication: authentication ?? .privateKey(path: "\(directory)/\(key)", passphrase: passphrase),
            hostKeys: hostKeys ?? .knownHosts(knownHosts),
            connectTimeout: .seconds(5),
            operationTimeout: .seconds(60)
        )
    }

    private func waitUntilListening() throws {
        for _ in 0..<100 {
            if DisposableRoot.isListening("127.0.0.1", port) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let log = (try? String(contentsOfFile: "\(directory)/sshd.log", encoding: .utf8)) ?? ""
                throw SSHError.connectionFailed(host: "sshd", detail: "sshd exited: \(log)")
            }
            usleep(50_000)
        }
        throw SSHError.connectionFailed(host: "sshd", detail: "sshd did not listen on \(port)")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func keygen(_ arguments: [String]) throws { _ = try run("/usr/bin/ssh-keygen", ["-q"] + arguments) }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let (status, output) = try Spawn.run(executable, arguments, environment: environment)
        guard status == 0 else { throw SSHError.protocolError(host: executable, detail: "exited \(status): \(output)") }
        return output
    }
}

extension DisposableRoot {
    func configuration() -> SSHConfiguration {
        SSHConfiguration(
            host: address, user: "root", authentication: .privateKey(path: key), hostKeys: .knownHosts(knownHosts),
            connectTimeout: .seconds(5), operationTimeout: .seconds(120))
    }
}
