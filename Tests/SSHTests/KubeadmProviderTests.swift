import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SSH
import Synchronization
import Testing

/// Issue #12 point 2: a kubeadm cluster built over SSH on two disposable machines whose kubeadm
/// is the stand-in, against the Kubernetes API simulator.
@Suite struct KubeadmProviderTests {
    final class Setup: Sendable {
        let cluster: ClusterMachines
        let storage = InMemoryStateStorage()
        let commands = CommandLog()
        let progress = CommandLog()

        var machines: [(name: String, root: DisposableRoot)] { cluster.machines }
        var kube: KubeAPISimulator { cluster.kube }
        var knownHosts: String { cluster.knownHosts }
        var controlPlane: DisposableRoot { machines[0].root }
        var worker: DisposableRoot { machines[1].root }

        func machine(_ name: String) -> DisposableRoot? { cluster.machine(name) }

        /// Machines named `cp` and `w1` unless named otherwise.
        init(phaseDelay: Duration = .zero, names: [String] = ["cp", "w1"]) async throws {
            cluster = try await ClusterMachines.start(names: names, phaseDelay: phaseDelay)
        }

        var access: SSHAccess { SSHAccess(user: "root", login: .key(controlPlane.key), trust: .knownHosts(knownHosts)) }

        /// A node on the machine of that name, at its address.
        func node(_ name: String, labels: [String: String] = [:]) -> ClusterNode {
            ClusterNode(name, labels: labels, machine: ResourceAddress(kind: "host", name: name))
        }

        func lab(
            workers: Bool = true,
            @DeclarationBuilder<any ClusterContent> contents: () -> DeclarationGroup<any ClusterContent> = {
                DeclarationGroup([])
            }
        ) -> Lab {
            lab(
                Cluster(
                    "lab", kubernetes: "1.31.4", controlPlane: [node("cp")], workers: workers ? [node("w1", labels: ["gpu": "intel"])] : [],
                    skipKubeProxy: true, access: access, contents))
        }

        /// A lab of `cluster` and a Host for each machine (how the nodes are reached).
        func lab(_ cluster: Cluster) -> Lab {
            let hosts = machines.map { Host($0.name, address: $0.root.address, access: access) {} }
            return Lab("kubeadm") {
                for host in hosts { host }
                cluster
            }
        }

        func workspace(_ lab: Lab) throws -> Workspace {
            let kubeadm = KubeadmProvider(
                options: .init(nodeTimeout: .seconds(30), bootTimeout: .seconds(120), pollInterval: .milliseconds(100)) {
                    [commands] node, command in
                    commands.append("\(node): \(command)")
                })
            return Workspace(
                graph: try lab.compile(), storage: storage, providers: ProviderRegistry([HostProvider(), kubeadm, KubernetesProvider()]))
        }

        @discardableResult
        func apply(_ lab: Lab, expectSuccess: Bool = true) async throws -> ApplyResult {
            let workspace = try workspace(lab)
            let state = try workspace.loadState()
            let result = try await workspace.apply(try await workspace.plan(state: state), state: state) { [progress] event in
                if case .message(_, let text) = event { progress.append(text) }
            }
            if expectSuccess { #expect(result.succeeded, "\(result.failures.map(\.message))") }
            return result
        }

        func plan(_ lab: Lab) async throws -> Plan {
            let workspace = try workspace(lab)
            return try await workspace.plan(state: workspace.loadState())
        }

        /// The commands that change a node (anything but `test -e` and `cat`).
        var mutatingCommands: [String] {
            commands.entries.filter { !$0.contains(": test -e ") && !$0.contains(": cat ") }
        }

        func nodes() async -> [String] { await kube.names(apiVersion: "v1", plural: "nodes") }

        func label(_ node: String, _ key: String) async -> String? {
            let object: Value? = await kube.object(apiVersion: "v1", plural: "nodes", name: node)
            return object?["metadata"]?["labels"]?[key]?.stringValue
        }

        func isReady(_ node: String) async -> Bool {
            let object: Value? = await kube.object(apiVersion: "v1", plural: "nodes", name: node)
            let conditions: [Value] = object?["status"]?["conditions"]?.arrayValue ?? []
            return conditions.contains { $0["type"] == "Ready" && $0["status"] == "True" }
        }

        /// The image of Cilium's agent.
        func agentImage() async -> String? {
            let agent: Value? = await kube.object(apiVersion: "apps/v1", plural: "daemonsets", namespace: "kube-system", name: "cilium")
            let containers: [Value] = agent?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? []
            return containers.first?["image"]?.stringValue
        }

        func ciliumConfig(_ key: String) async -> String? {
            let config: Value? = await kube.object(apiVersion: "v1", plural: "configmaps", namespace: "kube-system", name: "cilium-config")
            return config?["data"]?[key]?.stringValue
        }
    }

    @Test func fromEmptyWithoutLeavingItsSecrets() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        try await setup.apply(setup.lab())
        #expect(await setup.nodes() == ["cp", "w1"])
        #expect(setup.controlPlane.kubeadmLog == ["init cp"])
        #expect(setup.worker.kubeadmLog == ["join w1"])
        let gpu: String? = await setup.label("w1", "gpu")
        #expect(gpu == "intel")
        // The join's one-time secrets are gone: the token Secret and the config files holding them.
        let secrets: [String] = await setup.kube.names(apiVersion: "v1", plural: "secrets")
        #expect(!secrets.contains { $0.contains("bootstrap-token-") })
        for root in [setup.controlPlane, setup.worker] {
            let config: String? = root.contents(of: "/etc/kubernetes/homelabkit-kubeadm.yaml")
            #expect(config == nil)
        }
        // The kubeconfig is in state, sensitive; the plan never shows it.
        let plan: Plan = try await setup.plan(setup.lab())
        #expect(plan.actionLines == [])
        let rendered: String = PlanRenderer().render(plan)
        #expect(!rendered.contains(setup.kube.token))
    }

    @Test func aRerunOnABuiltClusterOnlyReads() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        try await setup.apply(setup.lab())
        setup.commands.clear()
        try await setup.apply(setup.lab())
        let mutating: [String] = setup.mutatingCommands
        #expect(mutating == [], "a rerun on a built cluster only reads")
        #expect(setup.controlPlane.kubeadmLog == ["init cp"])
    }

    /// Issue #12 point 4: the cluster's kubeconfig, known only once kubeadm init has run, reaches
    /// the Kubernetes provider in the same run: from empty, one apply builds the cluster and
    /// applies a manifest into it.
    @Test func oneApplyBuildsTheClusterAndWhatRunsInIt() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        let lab = setup.lab {
            Manifest(
                "config", yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: greeting, namespace: default}\ndata: {hello: world}\n")
        }
        let plan = try await setup.plan(lab)
        #expect(plan.actionLines == ["+ host.cp", "+ host.w1", "+ cluster.lab", "+ manifest.lab/config"])
        let result = try await setup.apply(lab)
        #expect(result.added == 4)
        let greeting = await setup.kube.object(apiVersion: "v1", plural: "configmaps", namespace: "default", name: "greeting")
        #expect(greeting?["data"]?["hello"] == "world")
        #expect(try await setup.plan(lab).actionLines == [], "the manifest refreshes through the cluster's kubeconfig from state")
    }

    /// Issue #12 point 3: Cilium with the cilium CLI on the control plane, its pool and L2 policy as
    /// CRs once the operator registered their CRDs, then every node Ready; a version change is a
    /// `cilium upgrade`.
    @Test func ciliumMakesTheNodesReadyAndUpgrades() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        func lab(_ version: String) -> Lab {
            setup.lab {
                Cilium(
                    version, kubeProxyReplacement: true, gatewayAPI: true, l2Announcements: true,
                    loadBalancerPool: "172.31.0.10-172.31.0.20")
            }
        }
        try await setup.apply(lab("1.19.1"))
        #expect(await setup.agentImage() == "quay.io/cilium/cilium:v1.19.1")
        #expect(await setup.ciliumConfig("k8s-service-host") == setup.controlPlane.address)
        #expect(await setup.ciliumConfig("kube-proxy-replacement") == "true")
        let pool: Value? = await setup.kube.object(
            apiVersion: "cilium.io/v2alpha1", plural: "ciliumloadbalancerippools", name: "homelabkit")
        let blocks: Value = [["start": "172.31.0.10", "stop": "172.31.0.20"]]
        #expect(pool?["spec"]?["blocks"] == blocks)
        #expect(await setup.isReady("cp"))
        #expect(await setup.isReady("w1"))
        let clean: Plan = try await setup.plan(lab("1.19.1"))
        #expect(clean.actionLines == [])

        let upgrade: Plan = try await setup.plan(lab("1.19.2"))
        #expect(upgrade.actionLines == ["~ cni.lab"])
        try await setup.apply(lab("1.19.2"))
        #expect(await setup.agentImage() == "quay.io/cilium/cilium:v1.19.2")
        let secrets: [String] = await setup.kube.names(apiVersion: "v1", plural: "secrets")
        let releases: [String] = secrets.filter { $0.contains("sh.helm.release.v1.cilium") }
        #expect(releases == ["kube-system/sh.helm.release.v1.cilium.v1", "kube-system/sh.helm.release.v1.cilium.v2"])
    }

    /// A `cilium install`, then a `cilium upgrade`, killed after Helm stored their revision
    /// (pending) and before it made anything: Helm then refuses a second install ("cannot re-use
    /// a name that is still in use") and any upgrade ("another operation … is in progress"). The
    /// next apply repairs the release (uninstall; remove the unfinished revision) and finishes.
    @Test func aCiliumInstallOrUpgradeKilledHalfwayIsRepaired() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        func lab(_ version: String) -> Lab { setup.lab { Cilium(version, kubeProxyReplacement: true) } }
        try await setup.apply(setup.lab())
        let ssh = try await SSHConnection.connect(setup.controlPlane.configuration())
        func killedCLI(_ verb: String, _ version: String) async throws {
            let run = try await ssh.execute(
                ShellCommand(
                    "env", "CILIUM_STAND_IN_DIE_PENDING=1", "KUBECONFIG=/etc/kubernetes/admin.conf", "cilium", verb, "--version", version))
            #expect(run.signal == "KILL", "the stand-in killed itself after storing its revision")
        }
        func releases() async -> [String: String] {
            var statuses: [String: String] = [:]
            for name in await setup.kube.names(apiVersion: "v1", plural: "secrets") where name.contains("sh.helm.release.v1.cilium") {
                let secret: Value? = await setup.kube.object(
                    apiVersion: "v1", plural: "secrets", namespace: "kube-system", name: String(name.dropFirst("kube-system/".count)))
                statuses[String(name.suffix(2))] = secret?["metadata"]?["labels"]?["status"]?.stringValue
            }
            return statuses
        }

        try await killedCLI("install", "1.19.1")
        #expect(await releases() == ["v1": "pending-install"])
        #expect(await setup.agentImage() == nil)
        try await setup.apply(lab("1.19.1"))
        #expect(setup.progress.entries.contains { $0.contains("an earlier cilium install did not finish (Helm release pending-install)") })
        #expect(await releases() == ["v1": "deployed"])
        #expect(await setup.agentImage() == "quay.io/cilium/cilium:v1.19.1")

        try await killedCLI("upgrade", "1.19.2")
        #expect(await releases() == ["v1": "deployed", "v2": "pending-upgrade"])
        // The plan shows the unfinished revision as a difference, and the apply repairs it.
        let plan = try await setup.plan(lab("1.19.1"))
        #expect(plan.actionLines == ["~ cni.lab"])
        try await setup.apply(lab("1.19.1"))
        #expect(setup.progress.entries.contains { $0.contains("removing its unfinished Helm revision 2") })
        #expect(await releases() == ["v1": "superseded", "v2": "deployed"])
        #expect(try await setup.plan(lab("1.19.1")).actionLines == [])
    }

    /// Issue #12 point 5: a skipped minor version or a downgrade is refused at plan time, at the
    /// Cluster's line.
    @Test func aSkippedMinorOrADowngradeIsRefusedAtPlanTime() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        try await setup.apply(setup.lab())
        func lab(_ version: String) -> Lab {
            let access = SSHAccess(user: "root", login: .key(setup.controlPlane.key), trust: .knownHosts(setup.knownHosts))
            let (cp, worker) = (setup.controlPlane.address, setup.worker.address)
            return Lab("kubeadm") {
                Host("cp", address: cp, access: access) {}
                Host("w1", address: worker, access: access) {}
                Cluster(
                    "lab", kubernetes: version, controlPlane: [ClusterNode("cp", machine: "host.cp")],
                    workers: [ClusterNode("w1", labels: ["gpu": "intel"], machine: "host.w1")], skipKubeProxy: true, access: access
                ) {}
            }
        }
        for (version, message) in [
            ("1.33.0", "kubeadm upgrades one minor version at a time: upgrade to 1.32 first, then to 1.33.0"),
            ("1.30.9", "kubeadm cannot downgrade it to 1.30.9"),
        ] {
            await #expect {
                _ = try await setup.plan(lab(version))
            } throws: { error in
                "\(error)".contains(message) && "\(error)".contains("KubeadmProviderTests.swift")
            }
        }
    }

    /// Issue #12 point 7: kubeadm killed (SIGKILL) in the middle of init, then of a join; each
    /// apply fails, and the next one resets what was left and finishes.
    @Test func killedInTheMiddleOfInitAndOfAJoin() async throws {
        // Each phase takes a second: wide enough for the kill to land between a step's first files
        // and its end, even on a loaded machine.
        let setup = try await Setup(phaseDelay: .seconds(1))
        defer { Task { await setup.kube.shutdown() } }
        for (root, marker, pattern) in [
            (setup.controlPlane, "/etc/kubernetes/manifests/kube-apiserver.yaml", "kubeadm init"),
            (setup.worker, "/etc/kubernetes/pki/ca.crt", "kubeadm join"),
        ] {
            let ssh = try await SSHConnection.connect(root.configuration())
            let workspace = try setup.workspace(setup.lab())
            let state = try workspace.loadState()
            let plan = try await workspace.plan(state: state)
            // Once the step has written its first files, the machine itself kills the kubeadm
            // process: watched from the test over SSH, the kill came late on a loaded machine.
            async let killer = ssh.execute(
                ShellCommand(
                    "sh", "-c",
                    // `[k]ubeadm` matches kubeadm's command line, not this one.
                    "for i in $(seq 3000); do [ -e \(marker) ] && exec pkill -9 -f '[k]\(pattern.dropFirst())'; sleep 0.02; done; exit 1"
                ))
            async let applied = workspace.apply(plan, state: state)
            let killed = try await killer
            #expect(killed.exitStatus == 0, "\(pattern) was killed")
            let result = try await applied
            #expect(!result.succeeded, "the apply during which \(pattern) was killed fails")
            #expect(await setup.nodes().count < 2)
        }
        try await setup.apply(setup.lab())
        #expect(await setup.nodes() == ["cp", "w1"])
        #expect(setup.controlPlane.kubeadmLog.suffix(2) == ["reset", "init cp"])
        #expect(setup.worker.kubeadmLog.suffix(2) == ["reset", "join w1"])
    }

    /// An init killed after its static pods were written, and a join killed after the kubelet's
    /// config: the next run resets what they left and finishes.
    @Test func aHalfDoneInitAndJoinAreResetAndFinished() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        let manifests = setup.controlPlane.upper + "/etc/kubernetes/manifests"
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        try "# left by a killed init\n".write(toFile: manifests + "/kube-apiserver.yaml", atomically: false, encoding: .utf8)
        // The join's first file, the cluster CA, without the kubelet's config that follows it.
        try FileManager.default.createDirectory(atPath: setup.worker.upper + "/etc/kubernetes/pki", withIntermediateDirectories: true)
        try "# left by a killed join\n".write(
            toFile: setup.worker.upper + "/etc/kubernetes/pki/ca.crt", atomically: false, encoding: .utf8)
        try await setup.apply(setup.lab())
        #expect(setup.controlPlane.kubeadmLog == ["reset", "init cp"])
        #expect(setup.worker.kubeadmLog == ["reset", "join w1"])
        #expect(await setup.nodes() == ["cp", "w1"])
    }

    /// A node that does not answer yet (a VM still booting) is waited for; the apply goes on once
    /// it does.
    @Test func aNodeStillBootingIsWaitedFor() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        // The worker's link is down, as a VM's network is until it has booted.
        let link = "\(setup.worker.namespace)h"
        _ = try Spawn.run("/usr/sbin/ip", ["link", "set", link, "down"])
        // Up again once the provider says it waits (whatever the machine's load), or after 60 s.
        let up = Task { [progress = setup.progress] in
            let deadline = ContinuousClock.now + .seconds(60)
            while !progress.entries.contains(where: { $0.hasPrefix("waiting for w1") }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            _ = try Spawn.run("/usr/sbin/ip", ["link", "set", link, "up"])
        }
        // The worker is a machine HomelabKit does not reach itself before the cluster does (as a
        // VM created through the Proxmox API).
        let (access, cp, worker) = (setup.access, setup.controlPlane.address, setup.worker.address)
        let lab = Lab("kubeadm") {
            Host("cp", address: cp, access: access) {}
            DataResource("w1")
            Cluster(
                "lab", kubernetes: "1.31.4", controlPlane: [setup.node("cp")],
                workers: [ClusterNode("w1", address: worker, machine: "data.w1")], skipKubeProxy: true, access: access
            ) {}
        }
        try await setup.apply(lab)
        try await up.value
        #expect(await setup.nodes() == ["cp", "w1"])
        #expect(setup.progress.entries.contains { $0.hasPrefix("waiting for w1 to answer over SSH") })
    }

    /// A worker added later joins; removed, its Node goes and kubeadm's files on it are reset.
    @Test func aWorkerJoinsLaterAndLeaves() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        try await setup.apply(setup.lab(workers: false))
        #expect(await setup.nodes() == ["cp"])
        let plan = try await setup.plan(setup.lab())
        #expect(plan.actionLines == ["~ cluster.lab"])
        #expect(plan.changes.first { $0.address == "cluster.lab" }?.reasons == ["w1 joins the cluster (kubeadm join)"])
        try await setup.apply(setup.lab())
        let leaving = try await setup.plan(setup.lab(workers: false))
        #expect(
            leaving.changes.first { $0.address == "cluster.lab" }?.reasons == [
                "w1 leaves the cluster: drained, its Node deleted, kubeadm reset on it"
            ])
        #expect(await setup.nodes() == ["cp", "w1"])
        try await setup.apply(setup.lab(workers: false))
        #expect(await setup.nodes() == ["cp"])
        #expect(setup.worker.kubeadmLog == ["join w1", "reset"])
    }
}

/// The commands the provider ran, in order.
final class CommandLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    func clear() { lines.withLock { $0 = [] } }
    var entries: [String] { lines.withLock { $0 } }
}
