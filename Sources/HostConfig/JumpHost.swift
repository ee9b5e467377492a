import HomelabCore

/// A bastion a `Host` is reached through, like OpenSSH's `ProxyJump`. It is verified and logged
/// in to with its own settings; the tunnel to the host runs over it.
public struct JumpHost: Sendable, Hashable {
    public var address: String
    public var user: String
    public var port: Int
    public var login: HostLogin
    public var trust: HostTrust

    public init(
        _ address: String, user: String = "root", port: Int = 22, login: HostLogin = .agent,
        trust: HostTrust = .knownHosts("~/.ssh/known_hosts")
    ) {
        self.address = address
        self.user = user
        self.port = port
        self.login = login
        self.trust = trust
    }

    var value: Value {
        ["address": .string(address), "port": .int(port), "user": .string(user), "login": login.value, "trust": trust.value]
    }
}
