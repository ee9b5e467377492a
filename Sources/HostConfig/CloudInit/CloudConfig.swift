import Yams

/// A typed `#cloud-config` user-data document, rendered with Yams. Commands are argument lists
/// (`runcmd` entries cloud-init executes without a shell), never shell lines.
public struct CloudConfig: Encodable, Sendable, Equatable {
    public struct User: Encodable, Sendable, Equatable {
        public var name: String
        public var groups: [String]?
        public var shell: String?
        /// A sudoers rule such as `ALL=(ALL) NOPASSWD:ALL`.
        public var sudo: String?
        public var sshAuthorizedKeys: [String]
        public var lockPassword: Bool?

        public init(
            name: String,
            groups: [String]? = nil,
            shell: String? = "/bin/bash",
            sudo: String? = nil,
            sshAuthorizedKeys: [String] = [],
            lockPassword: Bool? = true
        ) {
            self.name = name
            self.groups = groups
            self.shell = shell
            self.sudo = sudo
            self.sshAuthorizedKeys = sshAuthorizedKeys
            self.lockPassword = lockPassword
        }

        enum CodingKeys: String, CodingKey {
            case name, groups, shell, sudo
            case sshAuthorizedKeys = "ssh_authorized_keys"
            case lockPassword = "lock_passwd"
        }
    }

    public struct WriteFile: Encodable, Sendable, Equatable {
        public var path: String
        public var content: String
        /// Octal, as a string: `"0644"`.
        public var permissions: String?
        public var owner: String?

        public init(path: String, content: String, permissions: String? = "0644", owner: String? = nil) {
            self.path = path
            self.content = content
            self.permissions = permissions
            self.owner = owner
        }
    }

    public var hostname: String?
    public var timezone: String?
    public var users: [User]
    public var packages: [String]
    public var packageUpdate: Bool?
    public var writeFiles: [WriteFile]
    public var runcmd: [[String]]

    public init(
        hostname: String? = nil,
        timezone: String? = nil,
        users: [User] = [],
        packages: [String] = [],
        packageUpdate: Bool? = nil,
        writeFiles: [WriteFile] = [],
        runcmd: [[String]] = []
    ) {
        self.hostname = hostname
        self.timezone = timezone
        self.users = users
        self.packages = packages
        self.packageUpdate = packageUpdate
        self.writeFiles = writeFiles
        self.runcmd = runcmd
    }

    enum CodingKeys: String, CodingKey {
        case hostname, timezone, users, packages, runcmd
        case packageUpdate = "package_update"
        case writeFiles = "write_files"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(hostname, forKey: .hostname)
        try container.encodeIfPresent(timezone, forKey: .timezone)
        if !users.isEmpty { try container.encode(users, forKey: .users) }
        if !packages.isEmpty { try container.encode(packages, forKey: .packages) }
        try container.encodeIfPresent(packageUpdate, forKey: .packageUpdate)
        if !writeFiles.isEmpty { try container.encode(writeFiles, forKey: .writeFiles) }
        if !runcmd.isEmpty { try container.encode(runcmd, forKey: .runcmd) }
    }

    /// The document cloud-init reads: the `#cloud-config` header, then YAML.
    public func render() throws -> String { "#cloud-config\n" + (try YAMLEncoder().encode(self)) }
}

/// Netplan-style network configuration, version 2 (what cloud-init's NoCloud `network-config` holds).
public struct NetworkConfig: Encodable, Sendable, Equatable {
    public struct Ethernet: Encodable, Sendable, Equatable {
        public struct Match: Encodable, Sendable, Equatable {
            public var macaddress: String?
            public var name: String?
        }

        public struct Route: Encodable, Sendable, Equatable {
            public var to: String
            public var via: String
        }

        public struct Nameservers: Encodable, Sendable, Equatable {
            public var addresses: [String]
            public var search: [String]?
        }

        public var match: Match?
        public var dhcp4: Bool?
        public var addresses: [String]?
        public var routes: [Route]?
        public var nameservers: Nameservers?

        /// A static IPv4 interface: `address` in CIDR form, a default route, name servers.
        public static func staticIPv4(
            _ address: String, gateway: String?, nameservers: [String], search: [String]? = nil, mac: String? = nil
        )
            -> Ethernet
        {
            Ethernet(
                match: mac.map { Match(macaddress: $0.lowercased(), name: nil) },
                dhcp4: false,
                addresses: [address],
                routes: gateway.map { [Route(to: "default", via: $0)] },
                nameservers: nameservers.isEmpty ? nil : Nameservers(addresses: nameservers, search: search)
            )
        }
    }

    public var version = 2
    public var ethernets: [String: Ethernet]

    public init(ethernets: [String: Ethernet]) { self.ethernets = ethernets }

    public func render() throws -> String { try YAMLEncoder().encode(self) }
}
