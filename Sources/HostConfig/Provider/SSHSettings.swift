import Foundation
import HomelabCore
import SSH

/// How to reach a host over SSH, from the provider configuration a `Host` compiles.
public enum SSHSettings {
    /// The SSH settings a `Host` compiled into its provider configuration.
    public static func of(_ configuration: Value, environment: [String: String]) throws -> SSHConfiguration {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let expand = { (path: String) in path.hasPrefix("~/") ? home + path.dropFirst(1) : path }
        guard let address = configuration["address"]?.stringValue, let user = configuration["user"]?.stringValue else {
            throw ProviderError.failed("the host configuration has no address or user")
        }
        let authentication: SSHAuthentication
        if let login = configuration["login"]?.objectValue, let key = login["key"]?.stringValue {
            let passphrase = try login["passphrase"]?.stringValue.flatMap(SecretReference.init(parsing:))?.resolve(environment: environment)
            authentication = .privateKey(path: expand(key), passphrase: passphrase)
        } else {
            authentication = .agent(socket: environment["SSH_AUTH_SOCK"])
        }
        let trust = configuration["trust"]?.objectValue ?? [:]
        let policy = HostKeyPolicy(
            knownHosts: trust["knownHosts"]?.stringValue.map(expand),
            fingerprints: trust["fingerprint"]?.stringValue.map { [$0] } ?? [],
            trustOnFirstUse: trust["trustOnFirstUse"]?.boolValue ?? false
        )
        return SSHConfiguration(
            host: address,
            port: configuration["port"]?.intValue ?? 22,
            user: user,
            authentication: authentication,
            hostKeys: policy,
            jumpHosts: try (configuration["jumpHosts"]?.arrayValue ?? []).map { try of($0, environment: environment) }
        )
    }
}
