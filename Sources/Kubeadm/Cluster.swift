import HomelabCore
import Kubernetes

/// A kubeadm cluster on VMs of the description, with what runs in it.
public struct Cluster: LabContent {
    public var name: String
    public var kubernetes: String
    public var controlPlane: [String]
    public var workers: [String]
    public var podSubnet: String
    public var serviceSubnet: String
    public var skipKubeProxy: Bool
    /// A kubeconfig for the cluster's API (until kubeadm bootstrap provides one).
    public var kubeconfig: String?
    public var contents: [any ClusterContent]
    public var location: SourceLocation

    public init(
        _ name: String,
        kubernetes: String,
        controlPlane: [String],
        workers: [String] = [],
        podSubnet: String = "10.244.0.0/16",
        serviceSubnet: String = "10.96.0.0/12",
        skipKubeProxy: Bool = false,
        kubeconfig: String? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column,
        @DeclarationBuilder<any ClusterContent> _ contents: () -> DeclarationGroup<any ClusterContent>
    ) {
        self.name = name
        self.kubernetes = kubernetes
        self.controlPlane = controlPlane
        self.workers = workers
        self.podSubnet = podSubnet
        self.serviceSubnet = serviceSubnet
        self.skipKubeProxy = skipKubeProxy
        self.kubeconfig = kubeconfig
        self.contents = contents().members
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public static let type = ResourceType(
        name: "kubeadm_cluster",
        provider: "kubeadm",
        replaceOnChange: ["name", "controlPlane", "podSubnet", "serviceSubnet"]
    )

    public var address: ResourceAddress { ResourceAddress(kind: "cluster", name: name) }

    public func compile(into graph: inout GraphBuilder) {
        if name.isEmpty { graph.error("a cluster needs a name", at: location) }
        let parts = kubernetes.split(separator: ".")
        if parts.count != 3 || !parts.allSatisfy({ Int($0) != nil }) {
            graph.error("\(address): Kubernetes version '\(kubernetes)' must look like 1.31.4", at: location, address: address)
        }
        if controlPlane.isEmpty {
            graph.error("\(address): a cluster needs at least one control-plane node", at: location, address: address)
        }
        for node in Set(workers).intersection(controlPlane).sorted() {
            graph.error("\(address): \(node) is listed both as control plane and as worker", at: location, address: address)
        }
        for (list, what) in [(controlPlane, "control plane"), (workers, "workers")] {
            var seen = Set<String>()
            for node in list where !seen.insert(node).inserted {
                graph.error("\(address): \(node) is listed twice in \(what)", at: location, address: address)
            }
        }
        let pods = checkNetwork(podSubnet, "podSubnet", into: &graph)
        let services = checkNetwork(serviceSubnet, "serviceSubnet", into: &graph)
        if let pods, let services, pods.contains(services.address) || services.contains(pods.address) {
            graph.error("\(address): podSubnet \(podSubnet) and serviceSubnet \(serviceSubnet) overlap", at: location, address: address)
        }

        let nodes = Array(Set(controlPlane + workers)).sorted()
        graph.add(
            ResourceSpec(
                address: address,
                type: Self.type,
                attributes: [
                    "name": .string(name), "kubernetes": .string(kubernetes), "controlPlane": .strings(controlPlane),
                    "workers": .strings(workers), "podSubnet": .string(podSubnet), "serviceSubnet": .string(serviceSubnet),
                    "skipKubeProxy": .bool(skipKubeProxy),
                    // Produced by kubeadm init; never printed.
                    "kubeconfig": .sensitive(.unknown), "joinCommand": .sensitive(.unknown),
                ],
                location: location,
                references: nodes.map {
                    Reference(
                        ResourceAddress(kind: "vm", name: $0), at: location,
                        purpose: controlPlane.contains($0) ? "control-plane node" : "worker node")
                }
            )
        )
        let cni = ClusterContext.flatten(contents).contains { $0 is Cilium } ? Cilium.address(cluster: name) : nil
        let argocd = ClusterContext.flatten(contents).contains { $0 is ArgoCD } ? ArgoCD.address(cluster: name) : nil
        let context = ClusterContext(name: name, address: address, kubernetesVersion: kubernetes, cni: cni, argocd: argocd)
        // The kubeconfig comes from kubeadm init once the kubeadm provider is built; until then a
        // kubeconfig file can be given.
        ClusterContext.configure(cluster: name, kubeconfig: kubeconfig, context: nil, into: &graph)
        ClusterContext.compile(contents, in: context, into: &graph)
    }

    private func checkNetwork(_ cidr: String, _ what: String, into graph: inout GraphBuilder) -> IPv4Interface? {
        guard let network = IPv4Interface(cidr) else {
            graph.error("\(address): \(what) '\(cidr)' is not a CIDR such as 10.244.0.0/16", at: location, address: address)
            return nil
        }
        if !network.isNetworkAddress {
            graph.error(
                "\(address): \(what) \(cidr) has host bits set; did you mean \(network.network)/\(network.prefixLength)?", at: location,
                address: address)
        }
        return network
    }
}

/// Cilium as the cluster's CNI (installed with `cilium install` after `kubeadm init`).
public struct Cilium: ClusterContent {
    public var version: String
    public var kubeProxyReplacement: Bool
    public var gatewayAPI: Bool
    public var l2Announcements: Bool
    /// The L2 load-balancer pool, as `first-last`.
    public var loadBalancerPool: String?
    public var location: SourceLocation

    public init(
        _ version: String,
        kubeProxyReplacement: Bool = false,
        gatewayAPI: Bool = false,
        l2Announcements: Bool = false,
        loadBalancerPool: String? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.version = version
        self.kubeProxyReplacement = kubeProxyReplacement
        self.gatewayAPI = gatewayAPI
        self.l2Announcements = l2Announcements
        self.loadBalancerPool = loadBalancerPool
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public static let type = ResourceType(name: "kubeadm_cilium", provider: "kubeadm")
    public static func address(cluster: String) -> ResourceAddress { ResourceAddress(kind: "cni", name: cluster) }

    public func compile(in cluster: ClusterContext, into graph: inout GraphBuilder) {
        let address = Self.address(cluster: cluster.name)
        if let pool = loadBalancerPool {
            let ends = pool.split(separator: "-").map { IPv4Address(String($0)) }
            if ends.count != 2 || ends.contains(where: { $0 == nil }) {
                graph.error(
                    "\(address): loadBalancerPool '\(pool)' must be first-last, such as 192.168.10.200-192.168.10.250", at: location,
                    address: address)
            } else if let first = ends[0], let last = ends[1], first > last {
                graph.error("\(address): loadBalancerPool starts after it ends", at: location, address: address)
            }
        }
        graph.add(
            ResourceSpec(
                address: address,
                type: Self.type,
                attributes: [
                    "cluster": .string(cluster.name), "version": .string(version),
                    "kubeProxyReplacement": .bool(kubeProxyReplacement), "gatewayAPI": .bool(gatewayAPI),
                    "l2Announcements": .bool(l2Announcements),
                    "loadBalancerPool": loadBalancerPool.map(Value.string) ?? .null,
                ],
                location: location,
                references: [Reference(cluster.address, at: location, purpose: "cluster")]
            )
        )
    }
}
