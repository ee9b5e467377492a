import Foundation
import HomelabCore

/// Where a node's kubeadm, kubelet and kubectl packages come from: an apt repository per
/// Kubernetes minor version, as pkgs.k8s.io serves them. An upgrade switches a node to the
/// next minor's repository, then installs the exact version from it (what the seed's
/// `k8s_upgrade` role and kubeadm's upgrade guide do).
public struct KubernetesPackages: Codable, Sendable, Equatable, DefaultedAttribute {
    /// The repository of one minor version; `{minor}` stands for it, as in `1.32`.
    public var repository: String
    /// Its armored signing key, fetched with curl; `{minor}` as above.
    public var key: String

    public init(repository: String, key: String) {
        self.repository = repository
        self.key = key
    }

    /// The Kubernetes project's repositories (the seed's `k8s_prereqs` role adds the same).
    public static let pkgsK8sIO = KubernetesPackages(
        repository: "https://pkgs.k8s.io/core:/stable:/v{minor}/deb/", key: "https://pkgs.k8s.io/core:/stable:/v{minor}/deb/Release.key")

    public static var whenMissing: KubernetesPackages { .pkgsK8sIO }

    /// The repository of `minor` (`1.32`).
    public func repository(minor: String) -> String { repository.replacingOccurrences(of: "{minor}", with: minor) }
    public func key(minor: String) -> String { key.replacingOccurrences(of: "{minor}", with: minor) }
}
