import Yams

/// Ubuntu's autoinstall (v1) as cloud-init user-data: what Packer served from `http/user-data`.
/// Rendered with Yams and checked in CI by `cloud-init schema`.
public struct AutoinstallUserData: Encodable, Sendable, Equatable {
    public struct Identity: Encodable, Sendable, Equatable {
        public var hostname: String
        public var username: String
        /// A crypt(3) hash, never a password.
        public var password: String
    }

    public struct SSH: Encodable, Sendable, Equatable {
        public var installServer: Bool
        public var allowPassword: Bool
        public var authorizedKeys: [String]

        enum CodingKeys: String, CodingKey {
            case installServer = "install-server"
            case allowPassword = "allow-pw"
            case authorizedKeys = "authorized-keys"
        }
    }

    public struct Body: Encodable, Sendable, Equatable {
        public var version = 1
        public var locale: String
        public var keyboard: [String: String]
        public var identity: Identity
        public var ssh: SSH
        public var storage: [String: [String: String]]
        public var packages: [String]
        public var lateCommands: [String]
        /// `poweroff` tells the builder the install is done.
        public var shutdown = "poweroff"

        enum CodingKeys: String, CodingKey {
            case version, locale, keyboard, identity, ssh, storage, packages, shutdown
            case lateCommands = "late-commands"
        }
    }

    public var autoinstall: Body

    public init(
        hostname: String, username: String, passwordHash: String, locale: String = "en_US.UTF-8", keyboard: String = "us",
        allowPasswordSSH: Bool = true, authorizedKeys: [String] = [], packages: [String] = [], lateCommands: [String] = [],
        storageLayout: String = "direct"
    ) {
        autoinstall = Body(
            locale: locale, keyboard: ["layout": keyboard],
            identity: Identity(hostname: hostname, username: username, password: passwordHash),
            ssh: SSH(installServer: true, allowPassword: allowPasswordSSH, authorizedKeys: authorizedKeys),
            storage: ["layout": ["name": storageLayout]], packages: packages, lateCommands: lateCommands)
    }

    public func render() throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        return "#cloud-config\n" + (try encoder.encode(self))
    }
}
