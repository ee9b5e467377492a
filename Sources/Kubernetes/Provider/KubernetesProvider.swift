import Foundation
import HTTP
import HomelabCore
import Synchronization

/// The `kubernetes` provider: existing clusters, manifests, ArgoCD and its Applications, applied
/// with server-side apply through each cluster's API.
public final class KubernetesProvider: Provider {
    public let name = "kubernetes"

    public struct Options: Sendable {
        /// How long an Application may take to become Synced and Healthy, and a workload to roll out.
        public var healthTimeout: Duration
        /// How often waits look again.
        public var pollInterval: Duration
        /// Trust for downloading install manifests (the system's CAs by default).
        public var downloadTLS: TLSOptions

        public init(healthTimeout: Duration = .seconds(600), pollInterval: Duration = .milliseconds(500), downloadTLS: TLSOptions = .system)
        {
            self.healthTimeout = healthTimeout
            self.pollInterval = pollInterval
            self.downloadTLS = downloadTLS
        }
    }

    public let options: Options
    private let environment: [String: String]
    private let clients = Mutex<[String: KubernetesClient]>([:])

    public init(options: Options = Options(), environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.options = options
        self.environment = environment
    }

    public func read(_ request: ReadRequest) async throws -> ReadResponse {
        let client = try client(for: request.resource)
        return ReadResponse(
            attributes: try await resource(request.resource.type).read(request.attributes, client: client, options: options))
    }

    public func create(_ request: CreateRequest) async throws -> CreateResponse {
        let client = try client(for: request.resource)
        return CreateResponse(
            attributes: try await resource(request.resource.type).apply(
                request.attributes, prior: nil, client: client, options: options, progress: request.progress))
    }

    public func update(_ request: UpdateRequest) async throws -> UpdateResponse {
        let client = try client(for: request.resource)
        return UpdateResponse(
            attributes: try await resource(request.resource.type).apply(
                request.attributes, prior: request.prior, client: client, options: options, progress: request.progress))
    }

    public func delete(_ request: DeleteRequest) async throws -> DeleteResponse {
        let client = try client(for: request.resource)
        try await resource(request.resource.type).delete(request.prior, client: client, progress: request.progress)
        return DeleteResponse()
    }

    public func importResource(_ request: ImportRequest) async throws -> ImportResponse {
        throw ProviderError.notAvailable(provider: name, operation: "import \(request.resource.address)", issue: 5)
    }

    private func resource(_ type: ResourceType) throws -> any KubernetesResource.Type {
        switch type.name {
        case KubernetesTypes.cluster.name: return ClusterResource.self
        case KubernetesTypes.manifest.name: return ManifestResource.self
        case KubernetesTypes.argocd.name: return ArgoCDResource.self
        case KubernetesTypes.application.name: return ApplicationResource.self
        default: throw ProviderError.failed("the kubernetes provider has no resource type \(type.name)")
        }
    }

    /// One client per cluster, from its kubeconfig.
    private func client(for context: ResourceContext) throws -> KubernetesClient {
        guard let configuration = context.configuration else {
            throw ProviderError.failed("\(context.address) has no cluster to talk to")
        }
        let cluster = configuration["cluster"]?.stringValue ?? "?"
        guard var path = configuration["kubeconfig"]?.stringValue else {
            throw ProviderError.notAvailable(
                provider: name, operation: "reach cluster \(cluster) without a kubeconfig (kubeadm bootstrap)", issue: nil)
        }
        if path.hasPrefix("~/") { path = (environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst(1) }
        let key = "\(path)|\(configuration["context"]?.stringValue ?? "")"
        if let existing = clients.withLock({ $0[key] }) { return existing }
        let access = try Kubeconfig.load(path: path).access(context: configuration["context"]?.stringValue)
        let client = try KubernetesClient(access: access)
        clients.withLock { $0[key] = client }
        return client
    }
}

/// How the provider handles one resource type.
protocol KubernetesResource {
    static func read(_ prior: Value, client: KubernetesClient, options: KubernetesProvider.Options) async throws -> Value?
    static func apply(
        _ desired: Value, prior: Value?, client: KubernetesClient, options: KubernetesProvider.Options,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Value
    static func delete(_ prior: Value, client: KubernetesClient, progress: @escaping @Sendable (String) -> Void) async throws
}

/// HomelabKit's field manager for everything it applies (ArgoCD's own objects use ArgoCD's).
let fieldManager = "homelabkit"

/// An existing cluster: present while its API server answers.
enum ClusterResource: KubernetesResource {
    static func read(_ prior: Value, client: KubernetesClient, options: KubernetesProvider.Options) async throws -> Value? {
        _ = try await client.version()
        return prior
    }

    static func apply(
        _ desired: Value, prior: Value?, client: KubernetesClient, options: KubernetesProvider.Options,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Value {
        progress("connected to Kubernetes \(try await client.version())")
        return desired
    }

    /// The cluster is not HomelabKit's to remove.
    static func delete(_ prior: Value, client: KubernetesClient, progress: @escaping @Sendable (String) -> Void) async throws {}
}
