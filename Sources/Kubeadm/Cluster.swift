import HomelabCore
import HostConfig
import Kubernetes

/// A kubeadm cluster on VMs of the description, with what runs in it. Its settings are a
/// ``KubeadmClusterAttributes`` (each named once, there), read as members: `cluster.podSubnet`.
///
/// ```swift
/// Cluster("homelabk8s01", kubernetes: "1.31.4", controlPlane: ["node-1"], workers: ["node-2", node3.labeled(["gpu": "intel"])],
///         skipKubeProxy: true) {
///     Cilium("1.19.1", kubeProxyReplacement: true)
/// }
/// ```
@dynamicMemberLookup
public struct Cluster: LabContent {
    public var settings: KubeadmClusterAttributes
    /// How HomelabKit logs in to the nodes (user, key, host-key trust); a user other than root
    /// becomes root with sudo.
    public var access: SSHAccess
    /// A kubeconfig file for the cluster's API instead of the one kubeadm init produces.
    public var kubeconfig: String?
    public var contents: [any ClusterContent]
    public var location: SourceLocation

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<KubeadmClusterAttributes, T>) -> T {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    public init(
        _ name: String,
        kubernetes: String,
        controlPlane: [ClusterNode],
        workers: [ClusterNode] = [],
        endpoint: String? = nil,
        podSubnet: String = "10.244.0.0/16",
        serviceSubnet: String = "10.96.0.0/12",
        apiServer: APIServerSettings = APIServerSettings(),
        skipKubeProxy: Bool = false,
        skipPhases: [String] = [],
        kubelet: KubeletConfiguration = KubeletConfiguration(),
        containerd: ContainerdSettings = ContainerdSettings(),
        packages: KubernetesPackages = .pkgsK8sIO,
        access: SSHAccess = SSHAccess(),
        kubeconfig: String? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column,
        @DeclarationBuilder<any ClusterContent> _ contents: () -> DeclarationGroup<any ClusterContent>
    ) {
        // kube-proxy is an addon phase of init (and of upgrades): a CNI that replaces it skips it.
        let phases = skipKubeProxy && !skipPhases.contains("addon/kube-proxy") ? skipPhases + ["addon/kube-proxy"] : skipPhases
        settings = KubeadmClusterAttributes(
            name: name, kubernetes: kubernetes, controlPlane: controlPlane, workers: workers, endpoint: endpoint, podSubnet: podSubnet,
            serviceSubnet: serviceSubnet, apiServer: apiServer, skipPhases: phases, kubelet: kubelet, containerd: containerd,
            packages: packages, kubeconfig: .unknown, certificatesExpire: .unknown)
        self.access = access
        self.kubeconfig = kubeconfig
        self.contents = contents().members
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public static let type = ResourceType(
        name: "kubeadm_cluster", provider: "kubeadm",
        replaceOnChange: [KubeadmClusterAttributes.CodingKeys.name, .podSubnet, .serviceSubnet, .endpoint])

    public var address: ResourceAddress { ResourceAddress(kind: "cluster", name: settings.name) }

    /// Whether kubeadm skips the kube-proxy addon (a CNI replaces it).
    public var skipsKubeProxy: Bool { settings.skipPhases.contains("addon/kube-proxy") }

    public func compile(into graph: inout GraphBuilder) {
        let name = settings.name
        if name.isEmpty { graph.error("a cluster needs a name", at: location) }
        ClusterValidation(cluster: self).check(into: &graph)
        let configurationKey = "kubeadm@\(name)"
        // Each node's address is filled in by the provider; the rest is how to log in, and the
        // cluster's kubeconfig once it is built (for Cilium).
        graph.configure(
            provider: configurationKey,
            access.configuration(address: "").with("kubeconfig", ConfigurationReference.attribute("kubeconfig", of: address)))
        graph.add(
            ResourceSpec(
                address: address,
                type: Self.type,
                attributes: settings,
                location: location,
                references: settings.nodes.map {
                    Reference(
                        $0.machine, at: location, purpose: settings.controlPlane.contains($0) ? "control-plane node" : "worker node")
                },
                providerConfiguration: configurationKey
            )
        )
        graph.complete(address) { spec, resources in CrossStageChecks.cluster(&spec, resources: resources) }
        let cni = ClusterContext.flatten(contents).contains { $0 is Cilium } ? Cilium.address(cluster: name) : nil
        let argocd = ClusterContext.flatten(contents).contains { $0 is ArgoCD } ? ArgoCD.address(cluster: name) : nil
        let context = ClusterContext(
            name: name, address: address, kubernetesVersion: settings.kubernetes, cni: cni, argocd: argocd)
        // The cluster's own admin kubeconfig, once built, unless a kubeconfig file is given.
        if let kubeconfig {
            ClusterContext.configure(cluster: name, kubeconfig: kubeconfig, context: nil, into: &graph)
        } else {
            ClusterContext.configure(
                cluster: name, kubeconfigContents: ConfigurationReference.attribute("kubeconfig", of: address), into: &graph)
        }
        ClusterContext.compile(contents, in: context, into: &graph)
    }
}
