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

    public init(name: String, address: ResourceAddress, kubernetesVersion: String, cni: ResourceAddress?, argocd: ResourceAddress?) {
        self.name = name
        self.address = address
        self.kubernetesVersion = kubernetesVersion
        self.cni = cni
        self.argocd = argocd
    }

    /// What every workload in the cluster depends on: the cluster, and its CNI when declared.
    public func baseReferences(at location: SourceLocation) -> [Reference] {
        var references = [Reference(address, at: location, purpose: "cluster")]
        if let cni { references.append(Reference(cni, at: location, purpose: "CNI")) }
        return references
    }
}

public enum KubernetesTypes {
    public static let argocd = ResourceType(name: "kubernetes_argocd", provider: "kubernetes", replaceOnChange: ["namespace"])
    public static let application = ResourceType(
        name: "kubernetes_argocd_application",
        provider: "kubernetes",
        replaceOnChange: ["name"]
    )
    public static let manifest = ResourceType(name: "kubernetes_manifest", provider: "kubernetes")
}

/// DNS-1123 labels, as Kubernetes requires for names and namespaces.
enum KubernetesNames {
    static func isLabel(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.first, let last = name.last else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
            && first != "-" && last != "-"
    }
}
