import Foundation

/// How to reach one host over SSH and whom to trust.
public struct SSHConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    public var authentication: SSHAuthentication
    public var hostKeys: HostKeyPolicy
    /// How long the TCP connection may take.
    public var connectTimeout: Duration
    /// How long the SSH handshake and authentication may take together, like OpenSSH's
    /// `LoginGraceTime`: decrypting a passphrase-protected key is slow on a loaded machine.
    public var loginTimeout: Duration
    /// How long one operation may wait on the network before it fails.
    public var operationTimeout: Duration
    /// Keepalive messages, so idle connections survive NAT and firewalls.
    public var keepaliveInterval: Duration?
    /// Jump hosts (bastions) to tunnel through, first hop first, like OpenSSH's `ProxyJump`.
    /// Each is verified and authenticated with its own settings.
    public var jumpHosts: [SSHConfiguration]

    public init(
        host: String,
        port: Int = 22,
        user: String,
        authentication: SSHAuthentication,
        hostKeys: HostKeyPolicy,
        connectTimeout: Duration = .seconds(10),
        loginTimeout: Duration = .seconds(60),
        operationTimeout: Duration = .seconds(300),
        keepaliveInterval: Duration? = .seconds(30),
        jumpHosts: [SSHConfiguration] = []
    ) {
        self.jumpHosts = jumpHosts
        self.host = host
        self.port = port
        self.user = user
        self.authentication = authentication
        self.hostKeys = hostKeys
        self.connectTimeout = connectTimeout
        self.loginTimeout = loginTimeout
        self.operationTimeout = operationTimeout
        self.keepaliveInterval = keepaliveInterval
    }

    /// `host` or `[host]:port`, as known_hosts names it.
    var knownHostsName: String { port == 22 ? host : "[\(host)]:\(port)" }
}

/// How a client proves who it is.
public enum SSHAuthentication: Sendable {
    /// A private key file (ed25519, ECDSA or RSA, OpenSSH or PEM format), with its passphrase if
    /// it has one (read from the environment or a file by the caller, never stored).
    case privateKey(path: String, passphrase: String? = nil)
    /// The keys an ssh-agent holds (`SSH_AUTH_SOCK`, or the given socket).
    case agent(socket: String? = nil)
}

/// Which server keys are trusted. Strict by default: an unknown or changed key is refused.
public struct HostKeyPolicy: Sendable {
    /// An OpenSSH known_hosts file.
    public var knownHosts: String?
    /// Pinned `SHA256:…` fingerprints (as `ssh-keygen -lf` prints them).
    public var fingerprints: [String]
    /// Record an unknown host's key in ``knownHosts`` on first connection instead of refusing.
    public var trustOnFirstUse: Bool

    public init(knownHosts: String? = nil, fingerprints: [String] = [], trustOnFirstUse: Bool = false) {
        self.knownHosts = knownHosts
        self.fingerprints = fingerprints
        self.trustOnFirstUse = trustOnFirstUse
    }

    public static func knownHosts(_ path: String) -> HostKeyPolicy { HostKeyPolicy(knownHosts: path) }
    public static func fingerprint(_ fingerprint: String) -> HostKeyPolicy { HostKeyPolicy(fingerprints: [fingerprint]) }
    public static func trustOnFirstUse(recordingIn path: String) -> HostKeyPolicy { HostKeyPolicy(knownHosts: path, trustOnFirstUse: true) }
}

/// What a remote command did.
public struct SSHExecResult: Sendable, Equatable {
    public var exitStatus: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// The signal that killed the command, such as `TERM`.
    public var signal: String?

    public var standardOutput: String { String(decoding: stdout, as: UTF8.self) }
    public var standardError: String { String(decoding: stderr, as: UTF8.self) }
    public var succeeded: Bool { exitStatus == 0 && signal == nil }
}
