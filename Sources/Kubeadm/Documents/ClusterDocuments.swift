import HomelabCore
import Yams

/// The kubeadm configuration files for each node of a cluster, from its attributes: what
/// `kubeadm init --config` reads on the first control plane and `kubeadm join --config` on the
/// others. Join secrets are arguments, never attributes: they live only in the rendered file.
public struct ClusterDocuments: Sendable {
    public var cluster: KubeadmClusterAttributes

    public init(_ cluster: KubeadmClusterAttributes) { self.cluster = cluster }

    /// `host:port` of the API server: the declared endpoint, or the first control plane's address.
    public var endpoint: String {
        cluster.endpoint ?? "\(cluster.controlPlane.first?.address ?? cluster.controlPlane.first?.name ?? ""):6443"
    }

    /// What `ClusterConfiguration` says for the whole cluster.
    public var clusterConfiguration: KubeadmV1Beta4.ClusterConfiguration {
        var apiServer = KubeadmV1Beta4.APIServer(
            extraArgs: cluster.apiServer.extraArgs, extraVolumes: nil,
            certSANs: cluster.apiServer.certSANs.isEmpty ? nil : cluster.apiServer.certSANs)
        if let audit = cluster.apiServer.audit {
            apiServer.extraArgs =
                (apiServer.extraArgs ?? []) + [
                    .init("audit-policy-file", audit.policyFile), .init("audit-log-path", audit.logFile),
                    .init("audit-log-maxage", String(audit.maxAge)), .init("audit-log-maxbackup", String(audit.maxBackup)),
                    .init("audit-log-maxsize", String(audit.maxSize)),
                ]
            // The policy's and the log's directories, mounted into the API server's static pod.
            apiServer.extraVolumes = [
                .init(
                    name: "audit-policy", hostPath: directory(of: audit.policyFile), mountPath: directory(of: audit.policyFile),
                    readOnly: true,
                    pathType: "DirectoryOrCreate"),
                .init(
                    name: "audit-log", hostPath: directory(of: audit.logFile), mountPath: directory(of: audit.logFile), readOnly: false,
                    pathType: "DirectoryOrCreate"),
            ]
        }
        if apiServer.extraArgs?.isEmpty == true { apiServer.extraArgs = nil }
        return KubeadmV1Beta4.ClusterConfiguration(
            kubernetesVersion: "v\(cluster.kubernetes)", controlPlaneEndpoint: cluster.endpoint, clusterName: cluster.name,
            networking: .init(serviceSubnet: cluster.serviceSubnet, podSubnet: cluster.podSubnet, dnsDomain: nil),
            apiServer: apiServer, controllerManager: nil, scheduler: nil,
            proxy: cluster.skipPhases.contains("addon/kube-proxy") ? .init(disabled: true) : nil)
    }

    /// The node's registration: its name, taints, and labels passed to the kubelet.
    public func nodeRegistration(_ node: ClusterNode) -> KubeadmV1Beta4.NodeRegistrationOptions {
        let labels = node.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return KubeadmV1Beta4.NodeRegistrationOptions(
            name: node.name, criSocket: "unix:///run/containerd/containerd.sock", taints: node.taints.isEmpty ? nil : node.taints,
            kubeletExtraArgs: labels.isEmpty ? nil : [.init("node-labels", labels)], ignorePreflightErrors: nil, imagePullPolicy: nil)
    }

    /// `kubeadm init --config` on the first control plane.
    public func initFile(certificateKey: String?) throws -> String {
        guard let node = cluster.controlPlane.first else { throw ProviderError.failed("cluster \(cluster.name) has no control plane") }
        let initConfiguration = KubeadmV1Beta4.InitConfiguration(
            nodeRegistration: nodeRegistration(node), localAPIEndpoint: localEndpoint(node), certificateKey: certificateKey,
            skipPhases: cluster.skipPhases.isEmpty ? nil : cluster.skipPhases)
        return try Self.render([initConfiguration, clusterConfiguration, cluster.kubelet])
    }

    /// `kubeadm join --config` on another node, with the join's one-time secrets.
    public func joinFile(_ node: ClusterNode, token: String, caCertHash: String, certificateKey: String?) throws -> String {
        let isControlPlane = cluster.controlPlane.contains(node)
        let join = KubeadmV1Beta4.JoinConfiguration(
            nodeRegistration: nodeRegistration(node),
            discovery: .init(
                bootstrapToken: .init(token: token, apiServerEndpoint: endpoint, caCertHashes: [caCertHash], unsafeSkipCAVerification: nil),
                tlsBootstrapToken: nil),
            controlPlane: isControlPlane ? .init(localAPIEndpoint: localEndpoint(node), certificateKey: certificateKey) : nil,
            skipPhases: nil)
        return try Self.render([join])
    }

    private func localEndpoint(_ node: ClusterNode) -> KubeadmV1Beta4.APIEndpoint? {
        node.address.map { KubeadmV1Beta4.APIEndpoint(advertiseAddress: $0, bindPort: 6443) }
    }

    private func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// YAML documents separated by `---`, keys sorted so the same settings give the same file.
    public static func render(_ documents: [any Encodable]) throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        return try documents.map { try encoder.encode($0) }.joined(separator: "---\n")
    }
}
