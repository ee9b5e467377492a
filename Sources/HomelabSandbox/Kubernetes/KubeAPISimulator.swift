import Foundation
import HomelabCore
import Synchronization

/// A Kubernetes API server for tests and benchmarks, over HTTPS with a throwaway CA: client
/// certificates issued by that CA and a bearer token are accepted, nothing else. Real `kubectl`
/// can `apply --server-side`, `get`, `wait` and `delete` against it.
public final class KubeAPISimulator: Sendable {
    public let certificateAuthority: SandboxCertificateAuthority
    /// A token the server accepts (`Authorization: Bearer …`). Sensitive.
    public let token: String
    public let kubernetesVersion: String
    private let server: SandboxHTTPSServer
    let cluster: KubeCluster

    /// - Parameters:
    ///   - addresses: further IPv4 addresses to serve on (besides 127.0.0.1), such as the host's
    ///     end of a disposable machine's network, so machines can reach it.
    ///   - port: the port (a free one by default; the sandbox serves on 6443, as kube-apiserver).
    ///   - authority: the CA and token of an earlier run, whose kubeconfigs stay valid (a new
    ///     CA and token by default).
    ///   - stateFile: where every change is written before the API answers (see
    ///     ``SimulatorStateFile``); ``restore(_:)`` takes it back in the next run.
    public static func start(
        kubernetesVersion: String = "1.31.4", readyDelay: Duration = .milliseconds(200), addresses: [String] = [], port: Int = 0,
        authority: (ca: SandboxCertificateAuthority, token: String)? = nil, stateFile: String? = nil
    ) async throws -> KubeAPISimulator {
        try await KubeAPISimulator(
            authority: try authority?.ca ?? SandboxCertificateAuthority(name: "kubernetes"),
            token: authority?.token ?? UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""),
            kubernetesVersion: kubernetesVersion, readyDelay: readyDelay, addresses: addresses, port: port,
            stateFile: stateFile.map(SimulatorStateFile.init(path:)))
    }

    private init(
        authority: SandboxCertificateAuthority, token: String, kubernetesVersion: String, readyDelay: Duration, addresses: [String],
        port: Int, stateFile: SimulatorStateFile?
    ) async throws {
        certificateAuthority = authority
        self.kubernetesVersion = kubernetesVersion
        self.token = token
        let cluster = KubeCluster(readyDelay: readyDelay)
        self.cluster = cluster
        let router = KubeRouter(cluster: cluster, kubernetesVersion: kubernetesVersion)
        let log = RequestLog()
        server = try await SandboxHTTPSServer(
            identity: try authority.issueServer(addresses: addresses), clientCA: authority.caPEM,
            host: addresses.isEmpty ? "127.0.0.1" : "0.0.0.0", port: port
        ) { request in
            log.append("\(request.method) \(request.path)")
            let bearer = request.header("Authorization") == "Bearer \(token)"
            guard bearer || request.clientCertificateSubject != nil else {
                return KubeRouter.status(KubeFailure(code: 401, reason: "Unauthorized", message: "Unauthorized"))
            }
            let response = await router.handle(request)
            guard let stateFile else { return response }
            do { try await cluster.persist(to: stateFile) } catch {
                return KubeRouter.status(
                    KubeFailure(code: 500, reason: "InternalError", message: "cannot write the cluster state: \(error)"))
            }
            return response
        }
        self.log = log
    }

    private let log: RequestLog

    public var endpoint: String { server.baseURL }
    public var port: Int { server.port }
    public var caPEM: String { certificateAuthority.caPEM }

    /// A client certificate for `user` in `group` (CN and O, as the API server maps them).
    public func clientIdentity(user: String = "kubernetes-admin", group: String = "system:masters") throws
        -> SandboxCertificateAuthority.Identity
    {
        try certificateAuthority.issueClient(commonName: user, organization: group)
    }

    /// Every request so far, as `METHOD /path`.
    public var requests: [String] { log.entries }
    public func resetRequestLog() { log.clear() }

    /// The stored object (with managed fields and simulated status), or nil.
    public func object(apiVersion: String, plural: String, namespace: String = "", name: String) async -> Value? {
        let parts = apiVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
        guard let type = await cluster.type(group: group, version: version, plural: plural) else { return nil }
        return try? await cluster.get(type, namespace: namespace, name: name)
    }

    /// Names of the objects of one type, `namespace/name` for namespaced ones.
    public func names(apiVersion: String, plural: String) async -> [String] {
        let parts = apiVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
        guard let type = await cluster.type(group: group, version: version, plural: plural) else { return [] }
        return await cluster.list(type, namespace: nil).compactMap { object in
            let name = object["metadata"]?["name"]?.stringValue ?? ""
            return type.namespaced ? "\(object["metadata"]?["namespace"]?.stringValue ?? "")/\(name)" : name
        }
    }

    /// Changes an object the way someone with `kubectl edit` would (a merge patch by another manager).
    public func edit(
        apiVersion: String, plural: String, namespace: String = "", name: String, patch: Value, manager: String = "kubectl-edit"
    )
        async throws
    {
        let parts = apiVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
        guard let type = await cluster.type(group: group, version: version, plural: plural) else { return }
        do {
            _ = try await cluster.update(type, namespace: namespace, name: name, patch: patch, manager: manager)
        } catch {
            throw SimulatorError("\(error.message)")
        }
    }

    public func shutdown() async { await server.shutdown() }
}

/// Requests as the server saw them, shared between its handler and the façade.
final class RequestLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var entries: [String] { lines.withLock { $0 } }
    func clear() { lines.withLock { $0.removeAll() } }
}

/// A simulator operation that could not be done.
public struct SimulatorError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
