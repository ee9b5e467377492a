import HomelabCore
import Kubernetes

/// Cilium as the cluster's CNI, at a pinned version, with its settings typed. Its settings are a
/// ``CiliumAttributes``, read as members: `cilium.loadBalancerPool`.
@dynamicMemberLookup
public struct Cilium: ClusterContent {
    /// The cluster and the API server it talks to are filled in when the graph is built.
    public var settings: CiliumAttributes
    public var location: SourceLocation

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<CiliumAttributes, T>) -> T {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    public init(
        _ version: String,
        kubeProxyReplacement: Bool = false,
        gatewayAPI: Bool = false,
        l2Announcements: Bool = false,
        ipam: CiliumAttributes.IPAM = .kubernetes,
        loadBalancerPool: String? = nil,
        cli: CiliumCLI? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        settings = CiliumAttributes(
            cluster: "", version: version, kubeProxyReplacement: kubeProxyReplacement, gatewayAPI: gatewayAPI,
            l2Announcements: l2Announcements, ipam: ipam, loadBalancerPool: loadBalancerPool, k8sServiceHost: nil, k8sServicePort: nil,
            controlPlane: nil, cli: cli)
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public static let type = ResourceType(name: "kubeadm_cilium", provider: "kubeadm")
    public static func address(cluster: String) -> ResourceAddress { ResourceAddress(kind: "cni", name: cluster) }

    public func compile(in cluster: ClusterContext, into graph: inout GraphBuilder) {
        let address = Self.address(cluster: cluster.name)
        let version = settings.version.split(separator: ".", omittingEmptySubsequences: false)
        if version.count != 3 || !version.allSatisfy({ Int($0) != nil }) {
            graph.error("\(address): Cilium version '\(settings.version)' must look like 1.19.1", at: location, address: address)
        }
        if let pool = settings.loadBalancerPool, CiliumAttributes.range(pool) == nil {
            graph.error(
                "\(address): loadBalancerPool '\(pool)' must be first-last, such as 192.168.10.200-192.168.10.250, first before last",
                at: location, address: address)
        }
        for problem in settings.cli?.problems ?? [] { graph.error("\(address): \(problem)", at: location, address: address) }
        if !["kubernetes", "cluster-pool"].contains(settings.ipam.mode) {
            graph.error("\(address): IPAM mode '\(settings.ipam.mode)' must be kubernetes or cluster-pool", at: location, address: address)
        }
        for cidr in settings.ipam.clusterPoolIPv4PodCIDRList where IPv4Interface(cidr)?.isNetworkAddress != true {
            graph.error("\(address): IPAM pool '\(cidr)' is not a network such as 10.244.0.0/16", at: location, address: address)
        }
        if let size = settings.ipam.clusterPoolIPv4MaskSize, !(1...32).contains(size) {
            graph.error("\(address): IPAM mask size \(size) must be 1 to 32", at: location, address: address)
        }
        var attributes = settings
        attributes.cluster = cluster.name
        graph.add(
            ResourceSpec(
                address: address, type: Self.type, attributes: attributes, location: location,
                references: [Reference(cluster.address, at: location, purpose: "cluster")],
                // The cluster's SSH access and, once built, its kubeconfig.
                providerConfiguration: "kubeadm@\(cluster.name)"))
        graph.complete(address) { spec, resources in
            CrossStageChecks.cilium(&spec, cluster: cluster.address, resources: resources)
        }
    }
}

/// What a ``Cilium`` compiles to: its Helm values, named as Cilium names them.
public struct CiliumAttributes: Codable, Sendable, Equatable {
    public var cluster: String
    public var version: String
    public var kubeProxyReplacement: Bool
    public var gatewayAPI: Bool
    public var l2Announcements: Bool
    public var ipam: IPAM
    /// The L2 load-balancer pool (a `CiliumLoadBalancerIPPool`), as `first-last`.
    public var loadBalancerPool: String?
    /// The API server Cilium reaches without kube-proxy: the cluster's endpoint.
    public var k8sServiceHost: String?
    public var k8sServicePort: Int?
    /// Where the cilium CLI runs: the first control plane's address.
    public var controlPlane: String?
    /// The CLI to download there, pinned; `nil`: the node already has one (from its template).
    public var cli: CiliumCLI?

    /// Where pod addresses come from: Cilium's `ipam.*` values.
    public struct IPAM: Codable, Sendable, Equatable {
        /// `kubernetes` (each Node's `podCIDR`, cut from kubeadm's pod subnet) or `cluster-pool`.
        public var mode: String
        public var clusterPoolIPv4PodCIDRList: [String]
        public var clusterPoolIPv4MaskSize: Int?

        public static let kubernetes = IPAM(mode: "kubernetes", clusterPoolIPv4PodCIDRList: [], clusterPoolIPv4MaskSize: nil)

        /// Cilium's own pool, cut into per-node blocks of `maskSize`.
        public static func clusterPool(_ cidrs: [String], maskSize: Int = 24) -> IPAM {
            IPAM(mode: "cluster-pool", clusterPoolIPv4PodCIDRList: cidrs, clusterPoolIPv4MaskSize: maskSize)
        }
    }

    /// The first and last address of a `first-last` range.
    static func range(_ text: String) -> ClosedRange<IPv4Address>? {
        let ends = text.split(separator: "-").map { IPv4Address(String($0)) }
        guard ends.count == 2, let first = ends[0], let last = ends[1], first <= last else { return nil }
        return first...last
    }
}
