import HomelabCore

/// One resource the simulated API server serves: its group, version, kind, plural and scope.
public struct KubeResourceType: Sendable, Hashable {
    public var group: String
    public var version: String
    public var kind: String
    public var plural: String
    public var namespaced: Bool

    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var singular: String { kind.lowercased() }

    /// The built-in kinds the simulator starts with (what ArgoCD's install and the seed's apps use).
    public static let builtIn: [KubeResourceType] = [
        .init(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false),
        .init(group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false),
        .init(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true),
        .init(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true),
        .init(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true),
        .init(group: "", version: "v1", kind: "Service", plural: "services", namespaced: true),
        .init(group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true),
        .init(group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes", namespaced: false),
        .init(group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", namespaced: true),
        .init(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true),
        .init(group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true),
        .init(group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", namespaced: true),
        .init(group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true),
        .init(group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy", plural: "networkpolicies", namespaced: true),
        .init(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false),
        .init(
            group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", namespaced: false),
        .init(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true),
        .init(group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true),
        .init(
            group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions",
            namespaced: false),
    ]
}
