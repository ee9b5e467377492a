import Foundation

/// Disposable machines that are the nodes of one simulated kubeadm cluster: each has the
/// kubeadm, kubelet and cilium stand-ins, all drive one Kubernetes API simulator, and one key
/// logs in to every machine, whose host keys are in one known_hosts file.
public final class ClusterMachines: Sendable {
    /// The machines by node name, in the order given.
    public let machines: [(name: String, root: DisposableRoot)]
    public let kube: KubeAPISimulator
    /// The host keys of every machine.
    public let knownHosts: String

    /// The key that logs in to every machine, as root.
    public var key: String { machines[0].root.key }

    public func machine(_ name: String) -> DisposableRoot? { machines.first { $0.name == name }?.root }

    private init(machines: [(name: String, root: DisposableRoot)], kube: KubeAPISimulator, knownHosts: String) {
        self.machines = machines
        self.kube = kube
        self.knownHosts = knownHosts
    }

    /// Starts a machine per name, with kubeadm `version` whose every phase takes `phaseDelay`.
    public static func start(
        names: [String], version: String = "1.31.4", phaseDelay: Duration = .zero, readyDelay: Duration = .milliseconds(50)
    ) async throws -> ClusterMachines {
        guard !names.isEmpty else { throw MachineError("a cluster needs at least one machine") }
        var machines: [(name: String, root: DisposableRoot)] = []
        for name in names { machines.append((name, try await DisposableRoot.start())) }
        let roots = machines.map(\.root)
        let kube = try await KubeAPISimulator.start(readyDelay: readyDelay, addresses: roots.map(\.gateway))
        for root in roots {
            try root.installKubeadm(
                server: "https://\(root.gateway):\(kube.port)", caPEM: kube.caPEM, token: kube.token, version: version,
                phaseDelay: phaseDelay)
        }
        let key = try String(contentsOfFile: roots[0].key + ".pub", encoding: .utf8)
        for root in roots.dropFirst() {
            let authorized = root.upper + "/etc/ssh/homelab-test/authorized_keys"
            try (try String(contentsOfFile: authorized, encoding: .utf8) + key).write(
                toFile: authorized, atomically: false, encoding: .utf8)
        }
        let knownHosts = roots[0].directory + "/cluster_known_hosts"
        let hosts = try roots.map { try String(contentsOfFile: $0.knownHosts, encoding: .utf8) }.joined()
        try hosts.write(toFile: knownHosts, atomically: false, encoding: .utf8)
        return ClusterMachines(machines: machines, kube: kube, knownHosts: knownHosts)
    }

    /// Puts apt repositories laid out as pkgs.k8s.io's on every machine, at `/srv/k8s/v<minor>/`,
    /// with kubeadm, kubelet and kubectl at each of `versions` (`make-k8s-repo.sh`). It blocks:
    /// call it off the cooperative pool.
    public func buildPackageRepositories(versions: [String]) throws {
        for root in machines.map(\.root) {
            let (status, output) = try Spawn.run(
                "/bin/sh", [DisposableRoot.fixtures + "/make-k8s-repo.sh", root.upper + "/srv/k8s"] + versions)
            guard status == 0 else { throw MachineError("make-k8s-repo.sh exited \(status): \(output)") }
        }
    }

    /// Where `buildPackageRepositories` puts them, as `KubernetesPackages` takes it.
    public static let packageRepository = "file:///srv/k8s/v{minor}/"
    public static let packageKey = "file:///srv/k8s/v{minor}/Release.key"

    public func shutdown() async { await kube.shutdown() }
}
