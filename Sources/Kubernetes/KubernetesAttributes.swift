import HomelabCore

/// An existing cluster's attributes (``KubernetesCluster``, ``ClusterResource``).
public struct ClusterAttributes: Codable, Sendable, Equatable {
    public var name: String
    enum CodingKeys: String, CodingKey { case name }
}

/// A manifest's attributes (``Manifest``, ``ManifestResource``): its objects as applied, which a
/// read replaces by the fields of the live objects that HomelabKit applied.
public struct ManifestAttributes: Codable, Sendable, Equatable {
    public var cluster: String
    public var objects: [Value]
    public var conflicts: Manifest.Conflicts
    enum CodingKeys: String, CodingKey { case cluster, objects, conflicts }
}

extension Manifest.Conflicts: Codable {}

/// ArgoCD's attributes (``ArgoCD``, ``ArgoCDResource``).
public struct ArgoCDAttributes: Codable, Sendable, Equatable {
    public var cluster: String
    public var version: String
    public var namespace: String
    public var installURL: String
    /// The pinned SHA-256, or with trust on first use the one recorded by the first apply.
    public var manifestSHA256: Computed<String>
    /// HomelabKit's keys of `argocd-cm`; a read keeps only these.
    public var config: [String: String]
    /// HomelabKit's keys of `argocd-cmd-params-cm`.
    public var commandParameters: [String: String]
    /// The install manifest's objects as applied, removed again on delete: known after apply.
    public var objects: Computed<[InstalledObject]>

    /// One object of an install manifest.
    public struct InstalledObject: Codable, Sendable, Equatable {
        public var apiVersion: String
        public var kind: String
        public var name: String
    }

    enum CodingKeys: String, CodingKey {
        case cluster, version, namespace, installURL, manifestSHA256, config, commandParameters, objects
    }
}

/// An ArgoCD Application's attributes (``Application``, ``ApplicationResource``).
public struct ApplicationAttributes: Codable, Sendable, Equatable {
    public var cluster: String
    public var name: String
    public var argocdNamespace: String
    /// The destination namespace; `nil` for cluster-scoped objects.
    public var namespace: String?
    public var sources: [Application.Source]
    public var syncOptions: [String]
    public var prune: Bool
    public var selfHeal: Bool
    public var annotations: [String: String]

    enum CodingKeys: String, CodingKey {
        case cluster, name, argocdNamespace, namespace, sources, syncOptions, prune, selfHeal, annotations
        /// Before multi-source Applications, state held one `source`.
        case source
    }

    public init(
        cluster: String, name: String, argocdNamespace: String, namespace: String?, sources: [Application.Source], syncOptions: [String],
        prune: Bool, selfHeal: Bool, annotations: [String: String]
    ) {
        self.cluster = cluster
        self.name = name
        self.argocdNamespace = argocdNamespace
        self.namespace = namespace
        self.sources = sources
        self.syncOptions = syncOptions
        self.prune = prune
        self.selfHeal = selfHeal
        self.annotations = annotations
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cluster = try container.decode(String.self, forKey: .cluster)
        name = try container.decode(String.self, forKey: .name)
        argocdNamespace = try container.decode(String.self, forKey: .argocdNamespace)
        namespace = try container.decodeIfPresent(String.self, forKey: .namespace)
        if let sources = try container.decodeIfPresent([Application.Source].self, forKey: .sources) {
            self.sources = sources
        } else {
            sources = [try container.decode(Application.Source.self, forKey: .source)]
        }
        syncOptions = try container.decode([String].self, forKey: .syncOptions)
        prune = try container.decode(Bool.self, forKey: .prune)
        selfHeal = try container.decode(Bool.self, forKey: .selfHeal)
        annotations = try container.decode([String: String].self, forKey: .annotations)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cluster, forKey: .cluster)
        try container.encode(name, forKey: .name)
        try container.encode(argocdNamespace, forKey: .argocdNamespace)
        try container.encode(namespace, forKey: .namespace)
        try container.encode(sources, forKey: .sources)
        try container.encode(syncOptions, forKey: .syncOptions)
        try container.encode(prune, forKey: .prune)
        try container.encode(selfHeal, forKey: .selfHeal)
        try container.encode(annotations, forKey: .annotations)
    }
}

/// A source as attributes: `{"kind": "helm", "repo", "chart", "version", "values", "valueFiles"}`,
/// `{"kind": "git", "repo", "path", "revision"}` or `{"kind": "ref", "ref", "repo", "revision"}`.
extension Application.Source: Codable {
    private enum CodingKeys: String, CodingKey { case kind, repo, chart, version, values, valueFiles, path, revision, ref }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let repo = try container.decode(String.self, forKey: .repo)
        switch try container.decode(String.self, forKey: .kind) {
        case "helm":
            self = .helm(
                repo: repo, chart: try container.decode(String.self, forKey: .chart),
                version: try container.decode(String.self, forKey: .version),
                values: try container.decodeIfPresent(Value.self, forKey: .values) ?? .null,
                valueFiles: try container.decodeIfPresent([String].self, forKey: .valueFiles) ?? [])
        case "ref":
            self = .ref(
                try container.decode(String.self, forKey: .ref), repo: repo, revision: try container.decode(String.self, forKey: .revision))
        default:
            self = .git(
                repo: repo, path: try container.decode(String.self, forKey: .path),
                revision: try container.decode(String.self, forKey: .revision))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .helm(let repo, let chart, let version, let values, let valueFiles):
            try container.encode("helm", forKey: .kind)
            try container.encode(repo, forKey: .repo)
            try container.encode(chart, forKey: .chart)
            try container.encode(version, forKey: .version)
            try container.encode(values, forKey: .values)
            if !valueFiles.isEmpty { try container.encode(valueFiles, forKey: .valueFiles) }
        case .git(let repo, let path, let revision):
            try container.encode("git", forKey: .kind)
            try container.encode(repo, forKey: .repo)
            try container.encode(path, forKey: .path)
            try container.encode(revision, forKey: .revision)
        case .ref(let name, let repo, let revision):
            try container.encode("ref", forKey: .kind)
            try container.encode(name, forKey: .ref)
            try container.encode(repo, forKey: .repo)
            try container.encode(revision, forKey: .revision)
        }
    }
}
