import HomelabCore
import HostConfig
import Kubernetes

/// A Kubernetes upgrade by one minor version, as kubeadm's upgrade guide and the seed's
/// `k8s_upgrade` role do it, one node at a time: every node gets the new kubeadm and kubectl,
/// the first control plane runs `kubeadm upgrade plan` and `apply`; then each node in turn is
/// drained, runs `kubeadm upgrade node` (the first control plane has already been upgraded by
/// `apply`), gets the new kubelet, and must come back Ready with it before it is uncordoned and
/// the next node starts.
///
/// Each step looks first, so a rerun after a crash goes on where the last one stopped: the
/// cluster's configuration says whether `apply` ran, each Node's kubelet whether it is done.
struct KubeadmUpgrade {
    /// Runs `body` as `step`, reporting its duration.
    private func timed(_ step: UpgradeStep, _ body: () async throws -> Void) async throws {
        let start = ContinuousClock.now
        try await body()
        session.options.onStep?(step, ContinuousClock.now - start)
    }

    let cluster: KubeadmClusterAttributes
    /// The version the nodes run now (the repository to leave).
    let from: String
    let session: KubeadmSession
    let client: KubernetesClient
    let progress: @Sendable (String) -> Void

    var target: String { cluster.kubernetes }
    var nodes: NodeObjects { NodeObjects(client: client, options: session.options) }

    /// Upgrades `members` (the nodes already in the cluster), the first control plane first. The
    /// new kubeadm and kubectl go onto every node at once first: they are command-line tools, and
    /// installing them disturbs nothing, so only the disruptive steps wait their turn.
    func run(_ members: [ClusterNode]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for node in members {
                let shell = try session.on(node)
                group.addTask {
                    try await timed(.stage(node: node.name)) { try await installKubernetesPackages(["kubeadm", "kubectl"], on: shell) }
                }
            }
            try await group.waitForAll()
        }
        for (index, node) in members.enumerated() {
            try await upgrade(node, applies: index == 0)
        }
    }

    private func upgrade(_ node: ClusterNode, applies: Bool) async throws {
        try await timed(.node(node.name)) {
            let shell = try session.on(node)
            if applies, try await configuredVersion() != target {
                progress("\(node.name): kubeadm upgrade apply v\(target)")
                try await shell.run("kubeadm", "upgrade", "plan", "v\(target)")
                var apply = ["kubeadm", "upgrade", "apply", "v\(target)", "--yes"]
                if cluster.skipPhases.contains("addon/kube-proxy") { apply.append("--skip-phases=addon/kube-proxy") }
                try await shell.run(apply)
            }
            let object = try await client.get(apiVersion: "v1", kind: "Node", name: node.name)
            if let object, NodeObjects.kubeletVersion(of: object) == "v\(target)" {
                // Done by an earlier run, perhaps stopped before the uncordon.
                if object["spec"]?["unschedulable"]?.boolValue == true { try await nodes.uncordon(node.name) }
                return
            }
            progress("\(node.name): drain")
            try await nodes.drain(node.name)
            if !applies {
                progress("\(node.name): kubeadm upgrade node")
                try await shell.run("kubeadm", "upgrade", "node")
            }
            try await installKubernetesPackages(["kubelet"], on: shell)
            try await shell.run("systemctl", "daemon-reload")
            try await shell.run("systemctl", "restart", "kubelet")
            progress("\(node.name): waiting for Ready with kubelet v\(target)")
            try await nodes.waitUntilHealthy(node.name, kubelet: target)
            try await nodes.uncordon(node.name)
        }
    }

    /// The version in the cluster's kubeadm configuration (what `upgrade apply` moves).
    private func configuredVersion() async throws -> String? {
        let configuration = try await client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "kube-system", name: "kubeadm-config")
        return configuration?["data"]?["ClusterConfiguration"]?.stringValue.flatMap(KubeadmClusterResource.kubernetesVersion)
    }

    /// Switches the node to the target minor's repository (once) and installs `packages` at the
    /// target version, held, unless they are there already.
    private func installKubernetesPackages(_ packages: [String], on shell: NodeShell) async throws {
        let (old, new) = (Self.minorVersion(from), Self.minorVersion(target))
        let repository = AptRepository(
            "kubernetes-v\(new)", uri: cluster.packages.repository(minor: new), suite: "/",
            key: .url(cluster.packages.key(minor: new)))
        if try await !shell.exists(repository.listPath) {
            progress("\(shell.name): apt repository \(repository.name)")
            shell.onCommand?(shell.name, "apt repository \(repository.name)")
            try await HostApt.add(repository, on: shell.session)
            if old != new {
                try await HostApt.remove(named: "kubernetes-v\(old)", on: shell.session)
            }
        }
        shell.onCommand?(shell.name, "apt install \(packages.map { "\($0)=\(target)-*" }.joined(separator: " "))")
        try await HostApt.install(packages, version: "\(target)-*", hold: true, on: shell.session)
    }

    /// `1.32` of `1.32.0`.
    static func minorVersion(_ version: String) -> String { version.split(separator: ".").prefix(2).joined(separator: ".") }
}

/// A step of an upgrade, as the provider reports it: the packages staged on one node (these run
/// at once), and one node's turn (these run one after another, in the order given).
public enum UpgradeStep: Sendable, Hashable {
    case stage(node: String)
    case node(String)
}
