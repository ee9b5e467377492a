import HomelabCore

/// A machine of a kubeadm cluster: a VM of the description, by name or held as a value
/// (`Cluster(controlPlane: [node1])`), reached over SSH at its address.
public struct ClusterNode: Codable, Sendable, Hashable, ExpressibleByStringLiteral {
    /// The VM's name: the Kubernetes Node's name and the `vm.<name>` the cluster depends on.
    public var name: String
    /// Where SSH and the API server reach it; `nil`: the VM's declared IP, found at validate.
    public var address: String?
    /// Kubernetes labels of its Node (the seed's GPU node: `gpu: intel`).
    public var labels: [String: String]
    /// Taints registered with its Node.
    public var taints: [KubeadmV1Beta4.Taint]
    /// The machine the node is: its VM by default, or another declared machine (`host.<name>`)
    /// reached at `address`.
    public var machine: ResourceAddress

    public init(
        _ name: String, address: String? = nil, labels: [String: String] = [:], taints: [KubeadmV1Beta4.Taint] = [],
        machine: ResourceAddress? = nil
    ) {
        self.name = name
        self.address = address
        self.labels = labels
        self.taints = taints
        self.machine = machine ?? ResourceAddress(kind: "vm", name: name)
    }

    public init(stringLiteral name: String) { self.init(name) }

    /// The same node with labels added.
    public func labeled(_ labels: [String: String]) -> ClusterNode {
        var node = self
        node.labels.merge(labels) { _, new in new }
        return node
    }

    /// The same node with a taint added.
    public func tainted(_ key: String, _ value: String? = nil, effect: String = "NoSchedule") -> ClusterNode {
        var node = self
        node.taints.append(KubeadmV1Beta4.Taint(key: key, value: value, effect: effect))
        return node
    }

}
