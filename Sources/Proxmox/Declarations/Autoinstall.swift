import HomelabCore
import HostConfig

/// Ubuntu's unattended install (autoinstall v1) for a template built from the live-server ISO:
/// what Packer's `http/user-data` held. The installer powers the VM off when it is done.
public struct Autoinstall: Sendable, Hashable, Codable {
    public var hostname: String
    public var username: String
    /// A crypt(3) hash (`openssl passwd -6`), never a password. Sensitive: it is redacted in plans.
    public var passwordHash: String
    public var locale: String
    public var keyboard: String
    public var allowPasswordSSH: Bool
    /// Public keys for the user, so provisioning can log in with a key.
    public var authorizedKeys: [String]
    public var packages: [String]
    /// Shell commands run at the end of the install (`/target` is the new system).
    public var lateCommands: [String]
    public var storageLayout: String

    public init(
        hostname: String,
        username: String,
        passwordHash: String,
        locale: String = "en_US.UTF-8",
        keyboard: String = "us",
        allowPasswordSSH: Bool = true,
        authorizedKeys: [String] = [],
        packages: [String] = ["qemu-guest-agent", "cloud-init"],
        lateCommands: [String] = [],
        storageLayout: String = "direct"
    ) {
        self.hostname = hostname
        self.username = username
        self.passwordHash = passwordHash
        self.locale = locale
        self.keyboard = keyboard
        self.allowPasswordSSH = allowPasswordSSH
        self.authorizedKeys = authorizedKeys
        self.packages = packages
        self.lateCommands = lateCommands
        self.storageLayout = storageLayout
    }

    /// The user-data the template's `cidata` seed carries.
    public var userData: AutoinstallUserData {
        AutoinstallUserData(
            hostname: hostname, username: username, passwordHash: passwordHash, locale: locale, keyboard: keyboard,
            allowPasswordSSH: allowPasswordSSH, authorizedKeys: authorizedKeys, packages: packages, lateCommands: lateCommands,
            storageLayout: storageLayout)
    }

    /// In attributes the password hash is sensitive: redacted in every plan and output.
    enum CodingKeys: String, CodingKey {
        case hostname, username, passwordHash, locale, keyboard, allowPasswordSSH, authorizedKeys, packages, lateCommands, storageLayout
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hostname = try container.decode(String.self, forKey: .hostname)
        username = try container.decode(String.self, forKey: .username)
        passwordHash = try container.decode(Sensitive<String>.self, forKey: .passwordHash).value
        locale = try container.decode(String.self, forKey: .locale)
        keyboard = try container.decode(String.self, forKey: .keyboard)
        allowPasswordSSH = try container.decode(Bool.self, forKey: .allowPasswordSSH)
        authorizedKeys = try container.decode([String].self, forKey: .authorizedKeys)
        packages = try container.decode([String].self, forKey: .packages)
        lateCommands = try container.decode([String].self, forKey: .lateCommands)
        storageLayout = try container.decode(String.self, forKey: .storageLayout)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hostname, forKey: .hostname)
        try container.encode(username, forKey: .username)
        try container.encode(Sensitive(passwordHash), forKey: .passwordHash)
        try container.encode(locale, forKey: .locale)
        try container.encode(keyboard, forKey: .keyboard)
        try container.encode(allowPasswordSSH, forKey: .allowPasswordSSH)
        try container.encode(authorizedKeys, forKey: .authorizedKeys)
        try container.encode(packages, forKey: .packages)
        try container.encode(lateCommands, forKey: .lateCommands)
        try container.encode(storageLayout, forKey: .storageLayout)
    }
}
