import Foundation
import HomelabCore
import HostConfig
import Kubernetes
import SSH

/// Cilium, installed with the cilium CLI on the first control plane, as the seed does (`cilium
/// install --version … --set …`, Helm under the hood, so `cilium upgrade` moves it to another
/// version). The CLI was chosen over rendering the chart here because it carries each version's
/// chart itself: one download to pin (the CLI, by SHA-256), and what runs is what the seed runs. The load-balancer pool and L2 policy are the CRs they are, applied through the API once
/// the operator has registered their CRDs. Ready means the agent rolled out and every node Ready.
enum CiliumResource: ResourceHandler {
    static let type = Cilium.type

    /// The names of HomelabKit's pool and L2 policy.
    static let objectName = "homelabkit"

    // MARK: Read

    static func read(_ request: TypedRead<CiliumAttributes>, using session: KubeadmSession) async throws -> CiliumAttributes? {
        let prior = request.prior
        let client = try kubernetes(session)
        guard let agent = try await client.get(apiVersion: "apps/v1", kind: "DaemonSet", namespace: "kube-system", name: "cilium")
        else { return nil }
        var real = prior
        let image = agent["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"]?.stringValue ?? ""
        if let tag = image.split(separator: ":").last, tag.hasPrefix("v") { real.version = String(tag.dropFirst()) }
        // A Helm revision an earlier run left unfinished is a difference the next apply repairs.
        if let release = try await HelmRelease.read("cilium", namespace: "kube-system", client: client), release.repair != .none {
            real.version += " (Helm release \(release.latest?.status ?? ""))"
        }
        let config = try await client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "kube-system", name: "cilium-config")?["data"]
        let value = { (key: String) in config?[key]?.stringValue }
        real.kubeProxyReplacement = value("kube-proxy-replacement") == "true"
        real.gatewayAPI = value("enable-gateway-api") == "true"
        real.l2Announcements = value("enable-l2-announcements") == "true"
        real.k8sServiceHost = value("k8s-service-host")
        real.k8sServicePort = value("k8s-service-port").flatMap { Int($0) }
        let mode = value("ipam") ?? "kubernetes"
        real.ipam =
            mode == "cluster-pool"
            ? .clusterPool(
                (value("cluster-pool-ipv4-cidr") ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",")
                    .map(String.init), maskSize: value("cluster-pool-ipv4-mask-size").flatMap { Int($0) } ?? 24)
            : CiliumAttributes.IPAM(mode: mode, clusterPoolIPv4PodCIDRList: [], clusterPoolIPv4MaskSize: nil)
        let pool = try await client.get(apiVersion: "cilium.io/v2alpha1", kind: "CiliumLoadBalancerIPPool", name: objectName)
        if let block = pool?["spec"]?["blocks"]?.arrayValue?.first, let start = block["start"]?.stringValue,
            let stop = block["stop"]?.stringValue
        {
            real.loadBalancerPool = "\(start)-\(stop)"
        } else {
            real.loadBalancerPool = nil
        }
        return real
    }

    // MARK: Create, update, delete

    static func create(_ request: TypedCreate<CiliumAttributes>, using session: KubeadmSession) async throws -> CiliumAttributes {
        try await install(request.desired, session: session, progress: request.progress)
    }

    static func update(_ request: TypedUpdate<CiliumAttributes>, using session: KubeadmSession) async throws -> CiliumAttributes {
        try await install(request.desired, session: session, progress: request.progress)
    }

    static func delete(_ request: TypedDelete<CiliumAttributes>, using session: KubeadmSession) async throws {
        try await cli(request.prior, session).run("env", "KUBECONFIG=/etc/kubernetes/admin.conf", "cilium", "uninstall")
    }

    /// `cilium install` (or `upgrade` over an earlier one), its CRs, then the wait for readiness.
    static func install(
        _ desired: CiliumAttributes, session: KubeadmSession, progress: @escaping @Sendable (String) -> Void
    ) async throws -> CiliumAttributes {
        let client = try kubernetes(session)
        let shell = try cli(desired, session)
        try await installCLI(desired.cli, on: shell, progress: progress)
        // Helm's records, not the agent's DaemonSet, say whether to install or upgrade: an earlier
        // run killed inside `cilium install` or `upgrade` leaves a revision that blocks both.
        var release = try await HelmRelease.read("cilium", namespace: "kube-system", client: client)
        switch release?.repair ?? .none {
        case .none: break
        case .uninstall:
            progress("an earlier cilium install did not finish (Helm release \(release?.latest?.status ?? "")): cilium uninstall first")
            try await shell.run("env", "KUBECONFIG=/etc/kubernetes/admin.conf", "cilium", "uninstall")
            release = nil
        case .removeRevision(let revision):
            // Never an empty name: that would address the whole collection.
            guard let record = release?.secretName(revision) else { break }
            progress("an earlier cilium upgrade did not finish: removing its unfinished Helm revision \(revision)")
            try await client.delete(apiVersion: "v1", kind: "Secret", namespace: "kube-system", name: record)
        }
        let verb = release == nil ? "install" : "upgrade"
        progress("cilium \(verb) --version \(desired.version)")
        var arguments = ["env", "KUBECONFIG=/etc/kubernetes/admin.conf", "cilium", verb, "--version", desired.version]
        for (key, value) in helmValues(desired) { arguments += ["--set", "\(key)=\(value)"] }
        try await shell.run(arguments)
        try await shell.run(["env", "KUBECONFIG=/etc/kubernetes/admin.conf", "cilium", "status", "--wait"])
        if desired.l2Announcements, let pool = desired.loadBalancerPool, let range = CiliumAttributes.range(pool) {
            try await waitForCRD("ciliumloadbalancerippools.cilium.io", client: client, session: session)
            try await waitForCRD("ciliuml2announcementpolicies.cilium.io", client: client, session: session)
            try await client.apply(
                [
                    "apiVersion": "cilium.io/v2alpha1", "kind": "CiliumLoadBalancerIPPool", "metadata": ["name": .string(objectName)],
                    "spec": ["blocks": [["start": .string(range.lowerBound.description), "stop": .string(range.upperBound.description)]]],
                ], fieldManager: KubeadmClusterResource.fieldManager, force: true)
            try await client.apply(
                [
                    "apiVersion": "cilium.io/v2alpha1", "kind": "CiliumL2AnnouncementPolicy", "metadata": ["name": .string(objectName)],
                    "spec": ["loadBalancerIPs": true],
                ], fieldManager: KubeadmClusterResource.fieldManager, force: true)
        }
        try await waitForReadyNodes(client: client, session: session, progress: progress)
        return desired
    }

    /// The Helm values the seed passes with `--set`, from the typed settings.
    static func helmValues(_ cilium: CiliumAttributes) -> [(String, String)] {
        var values: [(String, String)] = [
            ("kubeProxyReplacement", String(cilium.kubeProxyReplacement)), ("gatewayAPI.enabled", String(cilium.gatewayAPI)),
            ("l2announcements.enabled", String(cilium.l2Announcements)), ("ipam.mode", cilium.ipam.mode),
        ]
        if let host = cilium.k8sServiceHost { values.append(("k8sServiceHost", host)) }
        if let port = cilium.k8sServicePort { values.append(("k8sServicePort", String(port))) }
        if cilium.ipam.mode == "cluster-pool" {
            values.append(
                ("ipam.operator.clusterPoolIPv4PodCIDRList", "{\(cilium.ipam.clusterPoolIPv4PodCIDRList.joined(separator: ","))}"))
            if let size = cilium.ipam.clusterPoolIPv4MaskSize { values.append(("ipam.operator.clusterPoolIPv4MaskSize", String(size))) }
        }
        return values
    }

    /// Puts the pinned CLI in `/usr/local/bin` unless that version is already there: downloaded,
    /// its SHA-256 compared with the pin, and only then unpacked.
    static func installCLI(_ cli: CiliumCLI?, on shell: NodeShell, progress: @escaping @Sendable (String) -> Void) async throws {
        let current = try await shell.session.check(.init("cilium", "version", "--client"))
        guard let cli else {
            guard current.succeeded else {
                throw ProviderError.failed(
                    "the cilium CLI is not on \(shell.name): pin one with Cilium(cli: CiliumCLI(version:sha256:)) or install it in the template"
                )
            }
            return
        }
        if current.succeeded, current.standardOutput.contains("cilium-cli: \(cli.version) ") { return }
        progress("cilium CLI \(cli.version): download and verify")
        let archive = "/tmp/homelabkit-cilium-cli.tar.gz"
        try await shell.run("curl", "-fsSL", "--retry", "3", "-o", archive, "--", cli.archiveURL)
        let sum = try await shell.run("sha256sum", archive).standardOutput.split(separator: " ").first.map(String.init) ?? ""
        guard sum == cli.sha256 else {
            try await shell.run("rm", "-f", archive)
            throw ProviderError.failed(
                "the cilium CLI from \(cli.archiveURL) has SHA-256 \(sum), not the pinned \(cli.sha256); nothing was installed")
        }
        try await shell.run("mkdir", "-p", "/usr/local/bin")
        try await shell.run("tar", "-xzf", archive, "-C", "/usr/local/bin", "cilium")
        try await shell.run("rm", "-f", archive)
    }

    // MARK: Helpers

    static func kubernetes(_ session: KubeadmSession) throws -> KubernetesClient {
        guard let kubeconfig = session.access["kubeconfig"]?.plain.stringValue else {
            throw ProviderError.failed("the cluster is not built yet: Cilium needs its kubeconfig")
        }
        return try KubeadmClusterResource.client(kubeconfig)
    }

    static func cli(_ cilium: CiliumAttributes, _ session: KubeadmSession) throws -> NodeShell {
        try session.on(ClusterNode("control plane of \(cilium.cluster)", address: cilium.controlPlane))
    }

    static func waitForCRD(_ name: String, client: KubernetesClient, session: KubeadmSession) async throws {
        let deadline = ContinuousClock.now + session.options.nodeTimeout
        while ContinuousClock.now < deadline {
            let crd = try await client.get(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: name)
            let conditions = crd?["status"]?["conditions"]?.arrayValue ?? []
            if conditions.contains(where: { $0["type"] == "Established" && $0["status"] == "True" }) { return }
            try await Task.sleep(for: session.options.pollInterval)
        }
        throw ProviderError.failed("Cilium's CRD \(name) was not established within \(session.options.nodeTimeout)")
    }

    /// Every node Ready: the pod network works everywhere.
    static func waitForReadyNodes(client: KubernetesClient, session: KubeadmSession, progress: @escaping @Sendable (String) -> Void)
        async throws
    {
        let deadline = ContinuousClock.now + session.options.nodeTimeout
        var announced = false
        while true {
            let nodes = try await client.list(apiVersion: "v1", kind: "Node")
            let notReady = nodes.filter { node in
                !(node["status"]?["conditions"]?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
            }.compactMap { $0["metadata"]?["name"]?.stringValue }
            if notReady.isEmpty && !nodes.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                throw ProviderError.failed("nodes \(notReady.joined(separator: ", ")) were not Ready within \(session.options.nodeTimeout)")
            }
            if !announced { progress("waiting for \(notReady.joined(separator: ", ")) to be Ready") }
            announced = true
            try await Task.sleep(for: session.options.pollInterval)
        }
    }
}
