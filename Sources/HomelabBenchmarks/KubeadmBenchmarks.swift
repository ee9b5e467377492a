import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SeedHomelab
import Synchronization

/// The seed's cluster (one control plane, two workers, Cilium) built by the kubeadm provider on
/// three disposable machines, then (issue #12 point 8) a rerun with nothing to do, and a minor
/// upgrade 1.31.4 → 1.32.0 whose every kubeadm phase takes `phaseDelay` (apt and dpkg do real
/// work). The upgrade's critical path is computed from its steps' own durations: the packages
/// staged on each node can run at once, each node's turn follows the previous one's and its own
/// staging. The wall time against it shows what the order of the run costs.
enum KubeadmBenchmark {
    static let phaseDelay: Duration = .seconds(1)
    /// The phases the kubeadm stand-in runs for `upgrade apply` and for `upgrade node`.
    static let applyPhases = 2
    static let nodePhases = 1

    static func cluster(_ machines: ClusterMachines, kubernetes: String) -> Cluster {
        let seed = SeedHomelab.cluster
        var cluster = seed
        func placed(_ node: ClusterNode) -> ClusterNode {
            ClusterNode(node.name, labels: node.labels, machine: ResourceAddress(kind: "host", name: node.name))
        }
        cluster.settings.kubernetes = kubernetes
        cluster.settings.controlPlane = seed.settings.controlPlane.map(placed)
        cluster.settings.workers = seed.settings.workers.map(placed)
        cluster.settings.apiServer.extraArgs = [.init("advertise-address", machines.machines[0].root.address)]
        cluster.settings.packages = KubernetesPackages(repository: ClusterMachines.packageRepository, key: ClusterMachines.packageKey)
        cluster.access = SSHAccess(user: "root", login: .key(machines.key), trust: .knownHosts(machines.knownHosts))
        cluster.contents = [
            Cilium(
                "1.19.1", kubeProxyReplacement: true, gatewayAPI: true, l2Announcements: true, loadBalancerPool: "172.31.0.10-172.31.0.20")
        ]
        return cluster
    }

    static func lab(_ machines: ClusterMachines, kubernetes: String) -> Lab {
        let access = SSHAccess(user: "root", login: .key(machines.key), trust: .knownHosts(machines.knownHosts))
        let hosts = machines.machines.map { Host($0.name, address: $0.root.address, access: access) {} }
        let cluster = cluster(machines, kubernetes: kubernetes)
        return Lab("kubeadm-bench") {
            for host in hosts { host }
            cluster
        }
    }

    static func scenario() async throws -> Measurement {
        let names = SeedHomelab.cluster.settings.nodes.map(\.name)
        let machines = try await ClusterMachines.start(names: names, phaseDelay: phaseDelay)
        _ = try await offCooperativePool { try machines.buildPackageRepositories(versions: ["1.31.4", "1.32.0"]) }
        let storage = FileStateStorage(path: try temporaryDirectory("kubeadm") + "/state.json")
        let mutating = Mutex(0)
        let steps = Mutex<[UpgradeStep: Double]>([:])
        let kubeadm = KubeadmProvider(
            options: .init(
                nodeTimeout: .seconds(120), pollInterval: .milliseconds(100),
                onCommand: { _, command in
                    if !command.hasPrefix("test -e ") && !command.hasPrefix("cat ") { mutating.withLock { $0 += 1 } }
                },
                onStep: { step, duration in
                    steps.withLock { $0[step] = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
                }))
        func run(_ kubernetes: String) async throws -> Double {
            let start = ContinuousClock.now
            let workspace = Workspace(
                graph: try lab(machines, kubernetes: kubernetes).compile(), storage: storage,
                providers: ProviderRegistry([HostProvider(), kubeadm, KubernetesProvider()]))
            let state = try workspace.loadState()
            let plan = try await workspace.plan(state: state)
            if plan.hasChanges {
                let result = try await workspace.apply(plan, state: state)
                guard result.succeeded else { throw ProviderError.failed("apply failed: \(result.failures.map(\.message))") }
            }
            return seconds(since: start)
        }
        let build = try await run("1.31.4")
        mutating.withLock { $0 = 0 }
        let rerun = try await run("1.31.4")
        let rerunMutating = mutating.withLock { $0 }
        let upgrade = try await run("1.32.0")
        // The upgrade must have happened, on every node, or the figure means nothing.
        for name in names {
            let node = await machines.kube.object(apiVersion: "v1", plural: "nodes", name: name)
            guard node?["status"]?["nodeInfo"]?["kubeletVersion"] == "v1.32.0" else {
                throw ProviderError.failed("\(name) was not upgraded")
            }
        }
        let delay = Double(phaseDelay.components.seconds)
        let simulated = Double(applyPhases + nodePhases * (names.count - 1)) * delay
        let durations = steps.withLock { $0 }
        var finish = 0.0
        for name in names { finish = max(finish, durations[.stage(node: name)] ?? 0) + (durations[.node(name)] ?? 0) }
        await machines.shutdown()
        return Measurement(
            seconds: build, peakRSSMB: peakRSSMegabytes(), detail: "\(names.count) nodes",
            values: [
                "build": build, "rerun": rerun, "rerunMutating": Double(rerunMutating), "upgrade": upgrade, "upgradeCritical": finish,
                "upgradeSimulated": simulated,
                "nodes": Double(names.count),
            ])
    }
}

/// Issue #12 point 8.
func printKubeadmTable() throws {
    let run = try runChild(["kubeadm", "3"])
    let values = run.values ?? [:]
    let (upgrade, critical) = (values["upgrade"] ?? 0, values["upgradeCritical"] ?? 0)
    print("| the seed's kubeadm cluster, 3 nodes, each kubeadm phase 1 s | wall time (s) | |")
    print("|---|---|---|")
    print("| build from empty (init, 2 joins, Cilium) | \(format(values["build"] ?? 0, 2)) | |")
    print(
        "| no-change rerun (refresh over SSH and the API) | \(format(values["rerun"] ?? 0, 2)) | \(Int(values["rerunMutating"] ?? -1)) mutating SSH commands |"
    )
    print(
        "| minor upgrade 1.31.4 → 1.32.0, one node at a time | \(format(upgrade, 2)) | critical path of its steps \(format(critical, 2)) s, of which kubeadm's simulated phases \(format(values["upgradeSimulated"] ?? 0, 1)) s |"
    )
    print("\nUpgrade: wall time \(format(upgrade / critical, 2))× its critical path")
}
