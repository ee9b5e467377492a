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
    public var manifestSHA256: String?
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
    public var source: Application.Source
    public var syncOptions: [String]
    public var prune: Bool
    public var selfHeal: Bool
    public var annotations: [String: String]

    enum CodingKeys: String, CodingKey {
        case cluster, name, argocdNamespace, namespace, source, syncOptions, prune, selfHeal, annotations
    }
}

/// A source as attributes: `{"kind": "helm", "repo", "chart", "version", "values"}` or
/// `{"kind": "git", "repo", "path", "revision"}`.
extension Application.Source: Codable {
    private enum CodingKeys: String, CodingKey { case kind, repo, chart, version, values, path, revision }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let repo = try container.decode(String.self, forKey: .repo)
        if try container.decode(String.self, forKey: .kind) == "helm" {
            self = .helm(
                repo: repo, chart: try container.decode(String.self, forKey: .chart),
                version: try container.decode(String.self, forKey: .version),
                values: try container.decodeIfPresent(Value.self, forKey: .values) ?? .null)
        } else {
            self = .git(
                repo: repo, path: try container.decode(String.self, forKey: .path),
                revision: try container.decode(String.self, forKey: .revision))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .helm(let repo, let chart, let version, let values):
            try container.encode("helm", forKey: .kind)
            try container.encode(repo, forKey: .repo)
            try container.encode(chart, forKey: .chart)
            try container.encode(version, forKey: .version)
            try container.encode(values, forKey: .values)
        case .git(let repo, let path, let revision):
            try container.encode("git", forKey: .kind)
            try container.encode(repo, forKey: .repo)
            try container.encode(path, forKey: .path)
            try container.encode(revision, forKey: .revision)
        }
    }
}
