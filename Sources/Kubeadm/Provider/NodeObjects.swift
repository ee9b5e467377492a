import HomelabCore
import Kubernetes

/// What the kubeadm provider does to a cluster's Node objects through the API: the labels and
/// taints it manages, cordon and drain, and the health an upgrade waits for.
struct NodeObjects {
    let client: KubernetesClient
    let options: KubeadmProvider.Options

    /// Every Node, by name.
    func all() async throws -> [String: Value] {
        var nodes: [String: Value] = [:]
        for node in try await client.list(apiVersion: "v1", kind: "Node") {
            if let name = node["metadata"]?["name"]?.stringValue { nodes[name] = node }
        }
        return nodes
    }

    // MARK: Labels and taints

    /// `declared` as its Node shows it: the labels and taints with the keys it declares (others'
    /// labels, such as `kubernetes.io/hostname`, and kubeadm's own taints are not HomelabKit's).
    static func observed(_ declared: ClusterNode, in node: Value) -> ClusterNode {
        var real = declared
        let labels = node["metadata"]?["labels"]?.objectValue ?? [:]
        real.labels = [:]
        for key in declared.labels.keys { real.labels[key] = labels[key]?.stringValue }
        let keys = Set(declared.taints.map(\.key))
        real.taints = taints(of: node).filter { keys.contains($0.key) }
        return real
    }

    static func taints(of node: Value) -> [KubeadmV1Beta4.Taint] {
        (node["spec"]?["taints"]?.arrayValue ?? []).compactMap { taint in
            guard let key = taint["key"]?.stringValue, let effect = taint["effect"]?.stringValue else { return nil }
            return KubeadmV1Beta4.Taint(key: key, value: taint["value"]?.stringValue, effect: effect)
        }
    }

    /// Sets `desired`'s labels and taints on its Node and removes those `prior` declared and
    /// `desired` no longer does; a merge patch, sent only when something differs.
    func label(_ desired: ClusterNode, prior: ClusterNode, node: Value) async throws {
        let labels = node["metadata"]?["labels"]?.objectValue ?? [:]
        var labelPatch: [String: Value] = [:]
        for (key, value) in desired.labels where labels[key]?.stringValue != value { labelPatch[key] = .string(value) }
        for key in prior.labels.keys where desired.labels[key] == nil && labels[key] != nil { labelPatch[key] = .null }
        var patch: Value = [:]
        if !labelPatch.isEmpty { patch = patch.setting(["metadata", "labels"], .object(labelPatch)) }
        // Taints are a list: the patch carries the whole list, ours replaced, the rest kept.
        let current = Self.taints(of: node)
        let managed = Set(prior.taints.map(\.key) + desired.taints.map(\.key))
        let kept = current.filter { !managed.contains($0.key) } + desired.taints
        if Set(kept) != Set(current) {
            let untouched = (node["spec"]?["taints"]?.arrayValue ?? []).filter { !managed.contains($0["key"]?.stringValue ?? "") }
            patch = patch.setting(["spec", "taints"], .array(untouched + desired.taints.map(Self.object)))
        }
        guard patch != [:] else { return }
        try await client.mergePatch(apiVersion: "v1", kind: "Node", name: desired.name, patch: patch)
    }

    static func object(_ taint: KubeadmV1Beta4.Taint) -> Value {
        var members: [String: Value] = ["key": .string(taint.key), "effect": .string(taint.effect)]
        if let value = taint.value { members["value"] = .string(value) }
        return .object(members)
    }

    // MARK: Cordon and drain

    func cordon(_ name: String) async throws {
        try await client.mergePatch(apiVersion: "v1", kind: "Node", name: name, patch: ["spec": ["unschedulable": true]])
    }

    func uncordon(_ name: String) async throws {
        try await client.mergePatch(apiVersion: "v1", kind: "Node", name: name, patch: ["spec": ["unschedulable": .null]])
    }

    /// Cordons the node and evicts its pods, as `kubectl drain --ignore-daemonsets` does
    /// (kubernetes/kubernetes `staging/src/k8s.io/kubectl/pkg/drain/filters.go`: DaemonSet pods
    /// would come straight back and mirror pods are the kubelet's own, so both stay), then
    /// waits until they are gone.
    func drain(_ name: String) async throws {
        try await cordon(name)
        let deadline = ContinuousClock.now + options.nodeTimeout
        while true {
            let pods = try await client.list(apiVersion: "v1", kind: "Pod", fieldSelector: "spec.nodeName=\(name)").filter(Self.isEvictable)
            if pods.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                let names = pods.compactMap { $0["metadata"]?["name"]?.stringValue }
                throw ProviderError.failed(
                    "draining \(name): pods \(names.joined(separator: ", ")) were not evicted within \(options.nodeTimeout)")
            }
            for pod in pods {
                guard let podName = pod["metadata"]?["name"]?.stringValue, let namespace = pod["metadata"]?["namespace"]?.stringValue
                else { continue }
                try await client.evict(namespace: namespace, name: podName)
            }
            try await Task.sleep(for: options.pollInterval)
        }
    }

    static func isEvictable(_ pod: Value) -> Bool {
        let owners = pod["metadata"]?["ownerReferences"]?.arrayValue ?? []
        if owners.contains(where: { $0["kind"]?.stringValue == "DaemonSet" }) { return false }
        return pod["metadata"]?["annotations"]?["kubernetes.io/config.mirror"] == nil
    }

    // MARK: Health

    /// The kubelet version a Node reports (`v1.31.4`), from its status.
    static func kubeletVersion(of node: Value) -> String? { node["status"]?["nodeInfo"]?["kubeletVersion"]?.stringValue }

    static func isReady(_ node: Value) -> Bool {
        (node["status"]?["conditions"]?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
    }

    /// Waits until the Node is Ready and its kubelet reports `version`: the gate before the next
    /// node of an upgrade.
    func waitUntilHealthy(_ name: String, kubelet version: String) async throws {
        let deadline = ContinuousClock.now + options.nodeTimeout
        while true {
            let node = try await client.get(apiVersion: "v1", kind: "Node", name: name)
            if let node, Self.isReady(node), Self.kubeletVersion(of: node) == "v\(version)" { return }
            guard ContinuousClock.now < deadline else {
                let seen = node.flatMap(Self.kubeletVersion) ?? "no version"
                throw ProviderError.failed(
                    "\(name) did not come back Ready with kubelet v\(version) within \(options.nodeTimeout) (it reports \(seen))")
            }
            try await Task.sleep(for: options.pollInterval)
        }
    }
}
