import Crypto
import Foundation
import HTTP
import HomelabCore
import Synchronization

/// The `kubernetes` provider: existing clusters, manifests, ArgoCD and its Applications, applied
/// with server-side apply through each cluster's API.
public final class KubernetesProvider: HandlerProvider<KubernetesSession>, @unchecked Sendable {
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

    public init(options: Options = Options(), environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.options = options
        let clients = ClientCache<KubernetesClient>()
        super.init(
            name: "kubernetes",
            handlers: [
                ClusterResource.self, ManifestResource.self, ArgoCDResource.self, ApplicationResource.self,
            ],
            connect: { resource in
                KubernetesSession(
                    client: try await Self.client(for: resource, clients: clients, environment: environment), options: options)
            },
            check: { request in
                // A kubeconfig that cannot be read or has no usable context fails before any change.
                guard let path = Self.kubeconfigPath(request.configuration, environment: environment) else { return }
                _ = try Kubeconfig.load(path: path).access(context: request.configuration["context"]?.stringValue)
            }
        )
    }

    /// One client per cluster, from its kubeconfig.
    private static func client(for context: ResourceContext, clients: ClientCache<KubernetesClient>, environment: [String: String])
        async throws -> KubernetesClient
    {
        guard let configuration = context.configuration else {
            throw ProviderError.failed("\(context.address) has no cluster to talk to")
        }
        let cluster = configuration["cluster"]?.stringValue ?? "?"
        // A kubeconfig another resource produced in this or an earlier run (kubeadm's admin.conf).
        if let contents = configuration["kubeconfigContents"] {
            // `null` until the resource that produces it is in state.
            guard let text = contents.plain.stringValue else {
                throw ProviderError.failed("cluster \(cluster) is not built yet: its kubeconfig is known once it is")
            }
            return try await clients.client(for: "contents|\(cluster)|\(SHA256.hash(data: Array(text.utf8)).description)") {
                try KubernetesClient(access: try Kubeconfig.parse(text).access())
            }
        }
        guard let kubeconfig = kubeconfigPath(configuration, environment: environment) else {
            throw ProviderError.notAvailable(
                provider: "kubernetes", operation: "reach cluster \(cluster) without a kubeconfig (kubeadm bootstrap)", issue: nil)
        }
        let context = configuration["context"]?.stringValue
        return try await clients.client(for: "\(kubeconfig)|\(context ?? "")") {
            try KubernetesClient(access: try Kubeconfig.load(path: kubeconfig).access(context: context))
        }
    }
}

extension KubernetesProvider {
    /// The configuration's kubeconfig path with `~/` expanded, or `nil` when it has none.
    static func kubeconfigPath(_ configuration: Value, environment: [String: String]) -> String? {
        guard let path = configuration["kubeconfig"]?.stringValue else { return nil }
        return path.hasPrefix("~/") ? (environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst(1) : path
    }
}

/// What every Kubernetes operation works with: the cluster's client and the provider's options.
public struct KubernetesSession: Sendable {
    let client: KubernetesClient
    let options: KubernetesProvider.Options
}

/// HomelabKit's field manager for everything it applies (ArgoCD's own objects use ArgoCD's).
let fieldManager = "homelabkit"

/// An existing cluster: present while its API server answers.
enum ClusterResource: ResourceHandler {
    static let type = KubernetesTypes.cluster

    static func read(_ request: TypedRead<ClusterAttributes>, using session: KubernetesSession) async throws -> ClusterAttributes? {
        _ = try await session.client.version()
        return request.prior
    }

    static func create(_ request: TypedCreate<ClusterAttributes>, using session: KubernetesSession) async throws -> ClusterAttributes {
        request.progress("connected to Kubernetes \(try await session.client.version())")
        return request.desired
    }

    static func update(_ request: TypedUpdate<ClusterAttributes>, using session: KubernetesSession) async throws -> ClusterAttributes {
        request.progress("connected to Kubernetes \(try await session.client.version())")
        return request.desired
    }

    /// The cluster is not HomelabKit's to remove.
    static func delete(_ request: TypedDelete<ClusterAttributes>, using session: KubernetesSession) async throws {}
}
