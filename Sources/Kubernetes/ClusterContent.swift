import HomelabCore

/// What may appear inside `Cluster { }`: the CNI, ArgoCD, applications and manifests.
public protocol ClusterContent: Sendable {
    func compile(in cluster: ClusterContext, into graph: inout GraphBuilder)
}

extension DeclarationGroup: ClusterContent where Content == any ClusterContent {
    public func compile(in cluster: ClusterContext, into graph: inout GraphBuilder) {
        for member in members { member.compile(in: cluster, into: &graph) }
    }
}

/// The enclosing cluster, as its children see it.
public struct ClusterContext: Sendable {
    public var name: String
    public var address: ResourceAddress
    public var kubernetesVersion: String
    /// The CNI resource, when one is declared: workloads wait for pod networking.
    public var cni: ResourceAddress?
    /// The ArgoCD resource, when one is declared: applications wait for it.
    public var argocd: ResourceAddress?
    /// Where ArgoCD runs: its Applications are created there.
    public var argocdNamespace: String
    /// The key of this cluster's API access (kubeconfig) among the graph's provider configurations.
    public var configurationKey: String

    public init(
        name: String, address: ResourceAddress, kubernetesVersion: String, cni: ResourceAddress?, argocd: ResourceAddress?,
        argocdNamespace: String = "argocd"
    ) {
        self.name = name
        self.address = address
        self.kubernetesVersion = kubernetesVersion
        self.cni = cni
        self.argocd = argocd
        self.argocdNamespace = argocdNamespace
        self.configurationKey = "kubernetes@\(name)"
    }

    /// Records how the provider reaches this cluster: a kubeconfig file (and context), or, for a
    /// cluster HomelabKit bootstraps itself, the kubeconfig kubeadm will produce.
    public static func configure(cluster name: String, kubeconfig: String?, context: String?, into graph: inout GraphBuilder) {
        graph.configure(
            provider: "kubernetes@\(name)",
            ["cluster": .string(name), "kubeconfig": kubeconfig.map(Value.string) ?? .null, "context": context.map(Value.string) ?? .null])
    }

    /// Records that the cluster's API is reached with a kubeconfig another resource produces (a
    /// ``ConfigurationReference``, such as the kubeadm cluster's admin kubeconfig).
    public static func configure(cluster name: String, kubeconfigContents: Value, into graph: inout GraphBuilder) {
        graph.configure(provider: "kubernetes@\(name)", ["cluster": .string(name), "kubeconfigContents": kubeconfigContents])
    }

    /// Members of nested groups (role-like helper functions return groups), in order.
    public static func flatten(_ contents: [any ClusterContent]) -> [any ClusterContent] {
        contents.flatMap { member -> [any ClusterContent] in
            if let group = member as? DeclarationGroup<any ClusterContent> { return flatten(group.members) }
            return [member]
        }
    }

    /// The contents of a cluster, compiled with the ArgoCD namespace they need.
    public static func compile(_ contents: [any ClusterContent], in context: ClusterContext, into graph: inout GraphBuilder) {
        var context = context
        if let argocd = flatten(contents).compactMap({ $0 as? ArgoCD }).first { context.argocdNamespace = argocd.namespace }
        for member in contents { member.compile(in: context, into: &graph) }
    }

    /// What every workload in the cluster depends on: the cluster, and its CNI when declared.
    public func baseReferences(at location: SourceLocation) -> [Reference] {
        var references = [Reference(address, at: location, purpose: "cluster")]
        if let cni { references.append(Reference(cni, at: location, purpose: "CNI")) }
        return references
    }
}

public enum KubernetesTypes {
    public static let argocd = ResourceType(
        name: "kubernetes_argocd", provider: "kubernetes", replaceOnChange: [ArgoCDAttributes.CodingKeys.namespace])
    public static let application = ResourceType(
        name: "kubernetes_argocd_application", provider: "kubernetes", replaceOnChange: [ApplicationAttributes.CodingKeys.name])
    public static let manifest = ResourceType(name: "kubernetes_manifest", provider: "kubernetes")
    /// An existing cluster reached by a kubeconfig: reading it checks the API server answers.
    public static let cluster = ResourceType(
        name: "kubernetes_cluster", provider: "kubernetes", replaceOnChange: [ClusterAttributes.CodingKeys.name])
}

/// DNS-1123 labels, as Kubernetes requires for names and namespaces.
enum KubernetesNames {
    static func isLabel(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.first, let last = name.last else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
            && first != "-" && last != "-"
    }
}
