import HomelabCore

/// A cluster that already exists, reached by a kubeconfig (like Terraform's kubernetes provider):
/// ArgoCD, Applications and manifests inside it are applied through its API.
///
/// ```swift
/// KubernetesCluster("homelabk8s01", kubeconfig: "~/.kube/homelabk8s01.conf") {
///     ArgoCD("v3.3.6", manifest: .sha256("…"))
///     Application("cert-manager", namespace: "cert-manager", source: .helm(…))
/// }
/// ```
public struct KubernetesCluster: LabContent {
    public var name: String
    public var kubeconfig: String
    public var context: String?
    public var contents: [any ClusterContent]
    public var location: SourceLocation

    public init(
        _ name: String, kubeconfig: String, context: String? = nil, fileID: String = #fileID, line: Int = #line, column: Int = #column,
        @DeclarationBuilder<any ClusterContent> _ contents: () -> DeclarationGroup<any ClusterContent>
    ) {
        self.name = name
        self.kubeconfig = kubeconfig
        self.context = context
        self.contents = contents().members
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(into graph: inout GraphBuilder) {
        let address = ResourceAddress(kind: "k8s", name: name)
        if name.isEmpty { graph.error("a Kubernetes cluster needs a name", at: location) }
        ClusterContext.configure(cluster: name, kubeconfig: kubeconfig, context: context, into: &graph)
        graph.add(
            ResourceSpec(
                address: address, type: KubernetesTypes.cluster, attributes: ClusterAttributes(name: name), location: location,
                providerConfiguration: "kubernetes@\(name)"))
        let argocd = ClusterContext.flatten(contents).contains { $0 is ArgoCD } ? ArgoCD.address(cluster: name) : nil
        ClusterContext.compile(
            contents, in: ClusterContext(name: name, address: address, kubernetesVersion: "", cni: nil, argocd: argocd), into: &graph)
    }
}
