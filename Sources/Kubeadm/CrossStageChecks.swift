import Foundation
import HomelabCore

/// What the cluster stage assumes of the VM and template stages, and Cilium of the cluster,
/// checked when the graph is built: every declaration has compiled by then, whatever their order.
/// Each failure points at the declaration that holds the wrong value. The list is in
/// `docs/kubernetes.md` ("Checks across stages").
enum CrossStageChecks {
    /// The cluster's nodes, each with its VM's address; and the problems found on the way.
    static func resolvedNodes(_ cluster: KubeadmClusterAttributes, resources: [ResourceAddress: ResourceSpec])
        -> (cluster: KubeadmClusterAttributes, networks: [(node: String, network: IPv4Interface)], problems: [String])
    {
        var resolved = cluster
        var networks: [(node: String, network: IPv4Interface)] = []
        var problems: [String] = []
        func resolve(_ node: inout ClusterNode) {
            guard let machine = resources[node.machine] else { return }  // a dangling reference is reported by the graph
            // Another kind of machine (a Host) has its address and no network to check against.
            guard node.machine.kind == "vm" else {
                if node.address == nil { node.address = machine.attributes["address"]?.stringValue }
                return
            }
            guard let ip = machine.attributes["ip"]?.stringValue, let interface = IPv4Interface(ip) else {
                problems.append("node \(node.name): its VM has no static IP; kubeadm needs a fixed address for every node")
                return
            }
            if let declared = node.address, declared != interface.address.description {
                problems.append("node \(node.name): address \(declared) is not its VM's IP \(interface.address)")
            }
            node.address = interface.address.description
            networks.append((node.name, interface))
        }
        for index in resolved.controlPlane.indices { resolve(&resolved.controlPlane[index]) }
        for index in resolved.workers.indices { resolve(&resolved.workers[index]) }
        return (resolved, networks, problems)
    }

    /// Fills in the nodes' addresses and checks the cluster against its VMs and their template:
    /// the Kubernetes version the template installs, the subnets against the VMs' network, and
    /// the endpoint against the nodes' addresses.
    static func cluster(_ spec: inout ResourceSpec, resources: [ResourceAddress: ResourceSpec]) -> [Diagnostic] {
        guard let declared = try? AttributeDecoder().decode(KubeadmClusterAttributes.self, from: spec.attributes) else { return [] }
        let (cluster, networks, found) = resolvedNodes(declared, resources: resources)
        var diagnostics = found.map { Diagnostic.error("\(spec.address): \($0)", at: spec.location, address: spec.address) }
        func error(_ message: String, notes: [Diagnostic.Note] = []) {
            diagnostics.append(.error("\(spec.address): \(message)", at: spec.location, address: spec.address, notes: notes))
        }
        // The kubelet and kubeadm each node's template installs must be the cluster's version.
        var checkedTemplates = Set<String>()
        for node in cluster.nodes {
            guard let template = resources[node.machine]?.attributes["template"]?.stringValue, checkedTemplates.insert(template).inserted
            else { continue }
            for tool in ["kubelet", "kubeadm"] {
                guard let package = resources[ResourceAddress(kind: "package", name: "\(template)/\(tool)")],
                    let version = package.attributes["version"]?.stringValue
                else { continue }
                if fnmatch(version, cluster.kubernetes, 0) != 0 {
                    error(
                        "Kubernetes \(cluster.kubernetes) needs \(tool) \(cluster.kubernetes), but template \(template) installs \(tool) "
                            + "\(version)", notes: [.init("\(tool) \(version) is installed here", at: package.location)])
                }
            }
        }
        // Pod and service addresses must not be the machines' own.
        var reported = Set<String>()
        for (label, cidr) in [("podSubnet", cluster.podSubnet), ("serviceSubnet", cluster.serviceSubnet)] {
            guard let subnet = IPv4Interface(cidr) else { continue }
            for (node, network) in networks where subnet.overlaps(network) && reported.insert("\(label) \(network.network)").inserted {
                error("\(label) \(cidr) overlaps the network \(network.network)/\(network.prefixLength) of node \(node)")
            }
        }
        // The endpoint: a control plane's address, or another address of their network (a VIP).
        if let endpoint = cluster.endpoint, let (host, _) = ClusterValidation.hostAndPort(endpoint), let ip = IPv4Address(host) {
            let workers = Set(cluster.workers.compactMap(\.address))
            if workers.contains(host) {
                error("the endpoint \(endpoint) is a worker's address; the API server runs on the control planes")
            } else if !networks.isEmpty, !networks.contains(where: { $0.network.contains(ip) }) {
                error("the endpoint \(endpoint) is outside every node's network")
            }
        }
        if let attributes = try? AttributeEncoder().encode(cluster) { spec.attributes = attributes }
        return diagnostics
    }

    /// Cilium against its cluster: the API server it reaches without kube-proxy, kube-proxy
    /// replaced or installed (never both or neither), its IPAM pool within kubeadm's pod subnet,
    /// and the load-balancer pool within the nodes' network and clear of every other range.
    static func cilium(_ spec: inout ResourceSpec, cluster address: ResourceAddress, resources: [ResourceAddress: ResourceSpec])
        -> [Diagnostic]
    {
        guard var cilium = try? AttributeDecoder().decode(CiliumAttributes.self, from: spec.attributes),
            let clusterSpec = resources[address],
            let declared = try? AttributeDecoder().decode(KubeadmClusterAttributes.self, from: clusterSpec.attributes)
        else { return [] }
        let (cluster, networks, _) = resolvedNodes(declared, resources: resources)
        var diagnostics: [Diagnostic] = []
        func error(_ message: String) {
            diagnostics.append(.error("\(spec.address): \(message)", at: spec.location, address: spec.address))
        }

        if let (host, port) = ClusterValidation.hostAndPort(ClusterDocuments(cluster).endpoint) {
            cilium.k8sServiceHost = host
            cilium.k8sServicePort = port
        }
        cilium.controlPlane = cluster.controlPlane.first?.address
        let skipsKubeProxy = cluster.skipPhases.contains("addon/kube-proxy")
        if cilium.kubeProxyReplacement && !skipsKubeProxy {
            error("Cilium replaces kube-proxy, but cluster \(cluster.name) installs it too; declare the cluster with skipKubeProxy: true")
        } else if !cilium.kubeProxyReplacement && skipsKubeProxy {
            error(
                "cluster \(cluster.name) skips kube-proxy, but Cilium does not replace it (kubeProxyReplacement: true): Services would not work"
            )
        }
        let pods = IPv4Interface(cluster.podSubnet)
        let services = IPv4Interface(cluster.serviceSubnet)
        if cilium.ipam.mode == "cluster-pool" {
            for cidr in cilium.ipam.clusterPoolIPv4PodCIDRList {
                guard let pool = IPv4Interface(cidr) else { continue }
                if let pods, !(pods.contains(pool.network) && pods.prefixLength <= pool.prefixLength) {
                    error("the IPAM pool \(cidr) is not within the cluster's podSubnet \(cluster.podSubnet): kubeadm and Cilium must agree")
                }
                if let services, pool.overlaps(services) {
                    error("the IPAM pool \(cidr) overlaps the cluster's serviceSubnet \(cluster.serviceSubnet)")
                }
            }
        }
        if let text = cilium.loadBalancerPool, let range = CiliumAttributes.range(text) {
            if !networks.isEmpty,
                !networks.contains(where: { $0.network.contains(range.lowerBound) && $0.network.contains(range.upperBound) })
            {
                error("loadBalancerPool \(text) is outside the nodes' network; L2 announcements answer only on it")
            }
            for node in cluster.nodes {
                if let address = node.address.flatMap(IPv4Address.init), range.contains(address) {
                    error("loadBalancerPool \(text) contains node \(node.name)'s address \(address)")
                }
            }
            for (label, subnet) in [("podSubnet", pods), ("serviceSubnet", services)] {
                guard let subnet else { continue }
                if range.lowerBound <= subnet.broadcast && subnet.network <= range.upperBound {
                    error("loadBalancerPool \(text) overlaps the cluster's \(label) \(subnet)")
                }
            }
        }
        if let attributes = try? AttributeEncoder().encode(cilium) { spec.attributes = attributes }
        return diagnostics
    }
}
