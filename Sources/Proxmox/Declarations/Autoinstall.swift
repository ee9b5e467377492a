import HomelabCore
import HostConfig

/// Ubuntu's unattended install (autoinstall v1) for a template built from the live-server ISO:
/// what Packer's `http/user-data` held. The installer powers the VM off when it is done.
public struct Autoinstall: Sendable, Hashable {
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

    var value: Value {
        [
            "hostname": .string(hostname), "username": .string(username), "passwordHash": .sensitive(.string(passwordHash)),
            "locale": .string(locale), "keyboard": .string(keyboard), "allowPasswordSSH": .bool(allowPasswordSSH),
            "authorizedKeys": .strings(authorizedKeys),
            "packages": .strings(packages), "lateCommands": .strings(lateCommands), "storageLayout": .string(storageLayout),
        ]
    }
}
