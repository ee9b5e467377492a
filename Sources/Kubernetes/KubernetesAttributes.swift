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
