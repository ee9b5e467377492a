import Foundation
import HomelabCore
import HostConfig
import SSH

/// The `kubeadm` provider: builds a cluster with kubeadm over SSH on its nodes, and checks the
/// result through the cluster's API.
public final class KubeadmProvider: HandlerProvider<KubeadmSession>, @unchecked Sendable {
    public struct Options: Sendable {
        /// How long a joined node may take to appear in the API.
        public var nodeTimeout: Duration
        /// How long a node may take to answer over SSH at all (a VM created in the same run is
        /// still booting when its create ends).
        public var bootTimeout: Duration
        public var pollInterval: Duration
        /// Called with every command run on a node (tests count the mutating ones).
        public var onCommand: (@Sendable (_ node: String, _ command: String) -> Void)?
        /// Called when a step of an upgrade ends, with how long it took (the benchmark's
        /// critical path is made of them).
        public var onStep: (@Sendable (_ step: UpgradeStep, _ duration: Duration) -> Void)?

        public init(
            nodeTimeout: Duration = .seconds(300), bootTimeout: Duration = .seconds(600), pollInterval: Duration = .seconds(1),
            onCommand: (@Sendable (_ node: String, _ command: String) -> Void)? = nil,
            onStep: (@Sendable (_ step: UpgradeStep, _ duration: Duration) -> Void)? = nil
        ) {
            self.nodeTimeout = nodeTimeout
            self.bootTimeout = bootTimeout
            self.pollInterval = pollInterval
            self.onCommand = onCommand
            self.onStep = onStep
        }
    }

    public init(options: Options = Options(), environment: [String: String] = ProcessInfo.processInfo.environment) {
        let connections = ClientCache<SSHConnection>()
        super.init(
            name: "kubeadm",
            handlers: [KubeadmClusterResource.self, CiliumResource.self],
            connect: { resource in
                guard let access = resource.configuration else { throw ProviderError.failed("\(resource.address) has no SSH access") }
                return KubeadmSession(access: access, environment: environment, connections: connections, options: options)
            },
            check: { request in
                // The key must be readable and its passphrase resolvable before anything changes.
                _ = try SSHSettings.of(request.configuration.with("address", "0.0.0.0"), environment: environment)
            }
        )
    }
}

/// What the kubeadm provider works with: SSH to each node, as the cluster's `access` says.
public struct KubeadmSession: Sendable {
    let access: Value
    let environment: [String: String]
    let connections: ClientCache<SSHConnection>
    let options: KubeadmProvider.Options

    /// A session on `node` (its address filled in at validate).
    func on(_ node: ClusterNode) throws -> NodeShell {
        guard let address = node.address else { throw ProviderError.failed("node \(node.name) has no address") }
        let settings = try SSHSettings.of(access.with("address", .string(address)), environment: environment)
        let session = HostSession.connecting(settings, become: access["become"]?.boolValue ?? false, cache: connections)
        return NodeShell(name: node.name, session: session, onCommand: options.onCommand)
    }
}

extension KubeadmSession {
    /// Waits until `node` answers over SSH. Only failures to reach it are retried (refused,
    /// unreachable, timed out, dropped); a changed host key or a refused login fail at once.
    func waitUntilReachable(_ node: ClusterNode, progress: @escaping @Sendable (String) -> Void) async throws {
        let shell = try on(node)
        let deadline = ContinuousClock.now + options.bootTimeout
        var announced = false
        while true {
            do {
                _ = try await shell.exists("/")
                return
            } catch let error as SSHError {
                switch error {
                case .connectionFailed, .timedOut, .connectionLost: break
                default: throw error
                }
                guard ContinuousClock.now < deadline else {
                    throw ProviderError.failed("\(node.name) did not answer over SSH within \(options.bootTimeout): \(error)")
                }
                if !announced { progress("waiting for \(node.name) to answer over SSH (\(error))") }
                announced = true
                try await Task.sleep(for: options.pollInterval)
            }
        }
    }
}

/// Commands on one node, reported to the test hook.
struct NodeShell: Sendable {
    let name: String
    let session: HostSession
    let onCommand: (@Sendable (_ node: String, _ command: String) -> Void)?

    /// Whether `path` exists (read-only).
    func exists(_ path: String) async throws -> Bool {
        onCommand?(name, "test -e \(path)")
        return try await session.check(ShellCommand("test", "-e", path)).succeeded
    }

    func read(_ path: String) async throws -> String {
        onCommand?(name, "cat \(path)")
        return String(decoding: try await session.read(path), as: UTF8.self)
    }

    @discardableResult
    func run(_ arguments: String...) async throws -> SSHExecResult { try await run(arguments) }

    @discardableResult
    func run(_ arguments: [String]) async throws -> SSHExecResult {
        onCommand?(name, arguments.joined(separator: " "))
        return try await session.run(ShellCommand(arguments))
    }

    /// Writes a file only root reads (a kubeadm config holding a join secret).
    func writeSecret(_ text: String, to path: String) async throws {
        onCommand?(name, "write \(path)")
        try await session.write(Array(text.utf8), to: path, mode: 0o600)
    }

    func write(_ text: String, to path: String) async throws {
        onCommand?(name, "write \(path)")
        try await session.write(Array(text.utf8), to: path, mode: 0o644)
    }
}
