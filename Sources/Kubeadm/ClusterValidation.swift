import HomelabCore

/// What kubeadm would refuse about a ``Cluster``, found at validate with the declaration's line.
struct ClusterValidation {
    var cluster: Cluster

    private var address: ResourceAddress { cluster.address }
    private var location: SourceLocation { cluster.location }
    private var settings: KubeadmClusterAttributes { cluster.settings }

    func check(into graph: inout GraphBuilder) {
        let parts = settings.kubernetes.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count != 3 || !parts.allSatisfy({ Int($0) != nil }) {
            error("Kubernetes version '\(settings.kubernetes)' must look like 1.31.4", into: &graph)
        }
        if settings.controlPlane.isEmpty { error("a cluster needs at least one control-plane node", into: &graph) }
        let (controlPlanes, workers) = (settings.controlPlane.map(\.name), settings.workers.map(\.name))
        for name in Set(controlPlanes).intersection(workers).sorted() {
            error("\(name) is listed both as control plane and as worker", into: &graph)
        }
        for (list, what) in [(controlPlanes, "control plane"), (workers, "workers")] {
            var seen = Set<String>()
            for name in list where !seen.insert(name).inserted { error("\(name) is listed twice in \(what)", into: &graph) }
        }
        for node in settings.nodes {
            for key in node.labels.keys.sorted() {
                if !Self.isLabelKey(key) {
                    error("node \(node.name): '\(key)' is not a valid Kubernetes label key", into: &graph)
                } else if !Self.kubeletMaySet(key) {
                    error(
                        "node \(node.name): the kubelet may not set label '\(key)' (kubernetes.io and k8s.io namespaces are reserved, "
                            + "except node.kubernetes.io and kubelet.kubernetes.io)", into: &graph)
                }
            }
            for taint in node.taints where !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(taint.effect) {
                error("node \(node.name): taint effect '\(taint.effect)' must be NoSchedule, PreferNoSchedule or NoExecute", into: &graph)
            }
        }
        let pods = network(settings.podSubnet, "podSubnet", into: &graph)
        let services = network(settings.serviceSubnet, "serviceSubnet", into: &graph)
        if let pods, let services, pods.contains(services.address) || services.contains(pods.address) {
            error("podSubnet \(settings.podSubnet) and serviceSubnet \(settings.serviceSubnet) overlap", into: &graph)
        }
        if let endpoint = settings.endpoint, Self.hostAndPort(endpoint) == nil {
            error("endpoint '\(endpoint)' must be host:port, such as 192.168.10.50:6443", into: &graph)
        }
        for argument in settings.apiServer.extraArgs where argument.name.hasPrefix("-") || argument.name.isEmpty {
            error("API server argument '\(argument.name)' is written without its dashes (kubeadm adds them)", into: &graph)
        }
        if let audit = settings.apiServer.audit {
            for (file, what) in [(audit.policyFile, "audit policy file"), (audit.logFile, "audit log file")] where !file.hasPrefix("/") {
                error("the \(what) '\(file)' must be an absolute path", into: &graph)
            }
            let levels = ["None", "Metadata", "Request", "RequestResponse"]
            for rule in audit.policy.rules where !levels.contains(rule.level) {
                error("audit rule level '\(rule.level)' must be one of \(levels.joined(separator: ", "))", into: &graph)
            }
        }
        if let driver = settings.kubelet.cgroupDriver, (driver == "systemd") != settings.containerd.systemdCgroup {
            error(
                "the kubelet's cgroupDriver '\(driver)' and containerd's SystemdCgroup = \(settings.containerd.systemdCgroup) must agree",
                into: &graph)
        }
    }

    private func error(_ message: String, into graph: inout GraphBuilder) {
        graph.error("\(address): \(message)", at: location, address: address)
    }

    private func network(_ cidr: String, _ what: String, into graph: inout GraphBuilder) -> IPv4Interface? {
        guard let network = IPv4Interface(cidr) else {
            error("\(what) '\(cidr)' is not a CIDR such as 10.244.0.0/16", into: &graph)
            return nil
        }
        if !network.isNetworkAddress {
            error("\(what) \(cidr) has host bits set; did you mean \(network.network)/\(network.prefixLength)?", into: &graph)
        }
        return network
    }

    /// `host:port` with a port in range.
    static func hostAndPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }

    /// Whether a kubelet may register its Node with this label (`--node-labels`): labels in the
    /// `kubernetes.io` and `k8s.io` namespaces are refused unless their namespace is (a subdomain
    /// of) `kubelet.kubernetes.io` or `node.kubernetes.io`, or they are a well-known label
    /// (kubernetes/kubernetes `staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go`
    /// `IsKubeletLabel`, checked by the kubelet at start in `cmd/kubelet/app/options/options.go`).
    static func kubeletMaySet(_ key: String) -> Bool {
        let namespace = key.split(separator: "/", maxSplits: 1).count == 2 ? String(key.split(separator: "/")[0]) : ""
        func within(_ domain: String) -> Bool { namespace == domain || namespace.hasSuffix("." + domain) }
        guard within("kubernetes.io") || within("k8s.io") else { return true }
        let wellKnown: Set<String> = [
            "kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch", "topology.kubernetes.io/zone",
            "topology.kubernetes.io/region", "node.kubernetes.io/instance-type", "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
            "beta.kubernetes.io/instance-type", "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
        ]
        return wellKnown.contains(key) || within("kubelet.kubernetes.io") || within("node.kubernetes.io")
    }

    /// An optional DNS-subdomain prefix and `/`, then a name of at most 63 characters
    /// (Kubernetes `IsQualifiedName`).
    static func isLabelKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last, (1...63).contains(name.count) else { return false }
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        guard allowed, name.first?.isLetter == true || name.first?.isNumber == true,
            name.last?.isLetter == true || name.last?.isNumber == true
        else { return false }
        if parts.count == 2 {
            let prefix = parts[0]
            return (1...253).contains(prefix.count)
                && prefix.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "-.".contains($0)) }
        }
        return true
    }
}
