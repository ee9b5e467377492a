import HomelabCore

/// How HomelabKit logs in to a machine whose address is given elsewhere: the user, port, login,
/// host-key trust and jump hosts. Shared by a Proxmox node's SSH settings and a template's build VM.
public struct SSHAccess: Sendable, Hashable {
    public var user: String
    public var port: Int
    public var login: HostLogin
    public var trust: HostTrust
    public var jumpHosts: [JumpHost]

    public init(
        user: String = "root", port: Int = 22, login: HostLogin = .agent, trust: HostTrust = .knownHosts("~/.ssh/known_hosts"),
        via jumpHosts: [JumpHost] = []
    ) {
        self.user = user
        self.port = port
        self.login = login
        self.trust = trust
        self.jumpHosts = jumpHosts
    }
}

extension SSHAccess {
    /// The provider configuration for a machine at `address` reached this way (what a `Host`
    /// records, and what ``SSHSettings/of(_:environment:)`` reads back).
    public func configuration(address: String, refresh: Bool = true) -> Value {
        [
            "address": .string(address), "port": .int(port), "user": .string(user), "login": login.value, "trust": trust.value,
            "jumpHosts": .array(jumpHosts.map(\.value)), "refresh": .bool(refresh), "become": .bool(user != "root"),
        ]
    }
}

extension Host {
    /// A host at `address` logged in to with `access`.
    public init(
        _ name: String, address: String, access: SSHAccess, dependsOn: [String] = [], fileID: String = #fileID, line: Int = #line,
        column: Int = #column, @DeclarationBuilder<any HostContent> _ contents: () -> DeclarationGroup<any HostContent>
    ) {
        self.init(
            name, address: address, user: access.user, port: access.port, login: access.login, trust: access.trust,
            via: access.jumpHosts, dependsOn: dependsOn, fileID: fileID, line: line, column: column, contents)
    }
}
