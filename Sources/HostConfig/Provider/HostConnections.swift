import Foundation
import HomelabCore
import SSH

/// One SSH connection per host, opened on first use and shared by every item of that host.
actor HostConnections {
    private var connections: [String: Task<SSHConnection, any Error>] = [:]
    private let environment: [String: String]

    init(environment: [String: String]) { self.environment = environment }

    func connection(for context: ResourceContext) async throws -> SSHConnection {
        guard let configuration = context.configuration else {
            throw ProviderError.failed("\(context.address) has no host to connect to")
        }
        let key = String(describing: configuration)
        if let existing = connections[key] {
            do {
                return try await existing.value
            } catch {
                connections[key] = nil  // a failed attempt is not cached: the next item tries again
                throw error
            }
        }
        let settings = try Self.settings(configuration, environment: environment)
        let task = Task { try await SSHConnection.connect(settings) }
        connections[key] = task
        do {
            return try await task.value
        } catch {
            connections[key] = nil
            throw error
        }
    }

    /// A new connection replacing the shared one, for after the host rebooted.
    func reconnect(for context: ResourceContext) async throws -> SSHConnection {
        guard let configuration = context.configuration else {
            throw ProviderError.failed("\(context.address) has no host to connect to")
        }
        let fresh = try await SSHConnection.connect(try Self.settings(configuration, environment: environment))
        connections[String(describing: configuration)] = Task { fresh }
        return fresh
    }

    /// The SSH settings a `Host` compiled into its provider configuration.
    static func settings(_ configuration: Value, environment: [String: String]) throws -> SSHConfiguration {
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
            jumpHosts: try (configuration["jumpHosts"]?.arrayValue ?? []).map { try settings($0, environment: environment) }
        )
    }
}
