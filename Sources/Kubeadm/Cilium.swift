import HomelabCore
import Kubernetes

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
