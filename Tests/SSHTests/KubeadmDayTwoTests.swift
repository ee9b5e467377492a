import Crypto
import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SSH
import SeedHomelab
import Synchronization
import Testing

/// Issue #12 points 2, 5 and 7: the seed's three-node cluster from empty, and day-2 changes
/// (labels and taints, a control plane joining later, a minor upgrade, one node at a time) on
/// disposable machines over SSH.
@Suite struct KubeadmDayTwoTests {
    typealias Setup = KubeadmProviderTests.Setup

    /// kubeadm, kubelet and kubectl 1.31.4 and 1.32.0 in pkgs.k8s.io's layout, on each machine.
    static let packages = KubernetesPackages(repository: ClusterMachines.packageRepository, key: ClusterMachines.packageKey)

    static func buildRepositories(_ setup: Setup) async throws {
        let machines = setup.cluster
        _ = try await offCooperativePool { try machines.buildPackageRepositories(versions: ["1.31.4", "1.32.0"]) }
    }

    /// `kubernetes` on `cp` and `w1`, with Cilium so the nodes turn Ready.
    static func cluster(_ setup: Setup, kubernetes: String = "1.31.4", workers: [ClusterNode]? = nil) -> Cluster {
        Cluster(
            "lab", kubernetes: kubernetes, controlPlane: [setup.node("cp")], workers: workers ?? [setup.node("w1")], skipKubeProxy: true,
            packages: packages, access: setup.access
        ) {
            Cilium("1.19.1", kubeProxyReplacement: true)
        }
    }

    /// Bootstrap tokens (`abcdef.0123456789abcdef`) and 32-byte hex keys (certificate keys).
    static func secretsIn(_ text: String) -> [String] {
        let patterns = [#"\b[a-z0-9]{6}\.[a-z0-9]{16}\b"#, #"\b[0-9a-f]{64}\b"#]
        return patterns.flatMap { pattern in
            (try? NSRegularExpression(pattern: pattern)).map { expression in
                expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
                    Range(match.range, in: text).map { String(text[$0]) }
                }
            } ?? []
        }
    }

    @Test func theSeedsThreeNodeClusterFromEmpty() async throws {
        let seed = SeedHomelab.cluster
        let setup = try await Setup(names: seed.settings.nodes.map(\.name))
        defer { Task { await setup.kube.shutdown() } }
        // The seed's cluster, its nodes on the disposable machines and the API server advertised
        // at the control plane's address there.
        var cluster = seed
        cluster.settings.controlPlane = seed.settings.controlPlane.map { setup.node($0.name, labels: $0.labels) }
        cluster.settings.workers = seed.settings.workers.map { setup.node($0.name, labels: $0.labels) }
        cluster.settings.apiServer.extraArgs = [.init("advertise-address", setup.controlPlane.address)]
        cluster.access = setup.access
        cluster.contents = [
            Cilium(
                "1.19.1", kubeProxyReplacement: true, gatewayAPI: true, l2Announcements: true, loadBalancerPool: "172.31.0.10-172.31.0.20")
        ]
        try await setup.apply(setup.lab(cluster))

        let names = seed.settings.nodes.map(\.name)
        #expect(await setup.nodes() == names)
        for name in names { #expect(await setup.isReady(name), "\(name) is Ready") }
        #expect(setup.controlPlane.kubeadmLog == ["init homelabk8s01-node-1"])
        #expect(setup.machine("homelabk8s01-node-3")?.kubeadmLog == ["join homelabk8s01-node-3"])
        #expect(await setup.label("homelabk8s01-node-3", "gpu") == "intel")
        #expect(await setup.label("homelabk8s01-node-3", "intel.feature.node.kubernetes.io/gpu") == "true")
        #expect(setup.controlPlane.contents(of: "/etc/kubernetes/audit/audit-policy.yml")?.contains("RequestResponse") == true)

        // A rerun reads and changes nothing: the SSH commands it ran are all reads.
        setup.commands.clear()
        try await setup.apply(setup.lab(cluster))
        let commands: [String] = setup.commands.entries
        #expect(setup.mutatingCommands == [])
        #expect(commands.count <= 4, "\(commands)")

        // No join token or certificate key anywhere: state, plan, progress, commands run.
        let state = String(decoding: try StateFileFormat.encode(try #require(try setup.storage.load())), as: UTF8.self)
        let plan = PlanRenderer().render(try await setup.plan(setup.lab(cluster)))
        for (what, text) in [
            ("state", state), ("plan", plan), ("progress", setup.progress.entries.joined(separator: "\n")),
            ("commands", commands.joined(separator: "\n")),
        ] {
            #expect(Self.secretsIn(text) == [], "no secret in the \(what)")
        }
        #expect(!plan.contains(setup.kube.token))
    }

    /// Issue #12 point 4: from empty state, one apply creates the template and the VMs on
    /// Proxmox (the API simulator), bootstraps kubeadm on the machines at the VMs' addresses,
    /// installs Cilium, and applies a manifest through the kubeconfig init produced.
    @Test func fromVMsToWorkloadsInOneApply() async throws {
        let setup = try await Setup(names: ["n1", "n2"])
        defer { Task { await setup.kube.shutdown() } }
        let (image, imageSHA256) = (TestPVE.image, TestPVE.imageSHA256)
        let caFile = ScratchSpace.path("pve-ca") + ".pem"
        let pve = try await TestPVE.start(caFile: caFile)
        defer { try? FileManager.default.removeItem(atPath: caFile) }
        // Each VM's declared address is the address of a disposable machine: the node kubeadm runs on.
        let machines = setup.machines.map { (name: $0.name, address: $0.root.address, gateway: $0.root.gateway) }
        let access = setup.access
        let lab = Lab("one-apply") {
            Proxmox(endpoint: pve.endpoint, token: .environment("PROXMOX_API_TOKEN"), tls: .caFile(caFile)) {
                Node("homelabpve01", address: "127.0.0.1") {
                    Template("tpl", vmid: 9000, source: .cloudImage(url: image, checksum: "sha256:\(imageSHA256)"))
                    for (index, machine) in machines.enumerated() {
                        VM(machine.name, vmid: 200 + index, from: "tpl", ip: "\(machine.address)/30", gateway: machine.gateway)
                    }
                }
            }
            Cluster("lab", kubernetes: "1.31.4", controlPlane: ["n1"], workers: ["n2"], skipKubeProxy: true, access: access) {
                Cilium("1.19.1", kubeProxyReplacement: true)
                Manifest(
                    "config",
                    yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: greeting, namespace: default}\ndata: {hello: world}\n")
            }
        }
        let proxmox = ProxmoxProvider(environment: ["PROXMOX_API_TOKEN": pve.apiToken])
        let workspace = Workspace(
            graph: try lab.compile(), storage: setup.storage,
            providers: ProviderRegistry([
                proxmox, KubeadmProvider(options: .init(nodeTimeout: .seconds(30), pollInterval: .milliseconds(100))), KubernetesProvider(),
            ]))
        let state = try workspace.loadState()
        let plan = try await workspace.plan(state: state)
        #expect(
            plan.actionLines == [
                "+ node.homelabpve01", "+ template.tpl", "+ vm.n1", "+ vm.n2", "+ cluster.lab", "+ cni.lab", "+ manifest.lab/config",
            ])
        let result = try await workspace.apply(plan, state: state)
        #expect(result.succeeded, "\(result.failures.map(\.message))")
        #expect(result.added == 7)
        #expect(await setup.nodes() == ["n1", "n2"])
        for name in ["n1", "n2"] { #expect(await setup.isReady(name)) }
        let greeting = await setup.kube.object(apiVersion: "v1", plural: "configmaps", namespace: "default", name: "greeting")
        #expect(greeting?["data"]?["hello"] == "world")
        #expect(try await workspace.plan(state: workspace.loadState()).actionLines == [])

        // n2 leaves the cluster and its VM goes, in that order: drained, Node deleted, reset, then
        // the VM deleted on Proxmox.
        let smaller = Lab("one-apply") {
            Proxmox(endpoint: pve.endpoint, token: .environment("PROXMOX_API_TOKEN"), tls: .caFile(caFile)) {
                Node("homelabpve01", address: "127.0.0.1") {
                    Template("tpl", vmid: 9000, source: .cloudImage(url: image, checksum: "sha256:\(imageSHA256)"))
                    VM(machines[0].name, vmid: 200, from: "tpl", ip: "\(machines[0].address)/30", gateway: machines[0].gateway)
                }
            }
            Cluster("lab", kubernetes: "1.31.4", controlPlane: ["n1"], skipKubeProxy: true, access: access) {
                Cilium("1.19.1", kubeProxyReplacement: true)
                Manifest(
                    "config",
                    yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: greeting, namespace: default}\ndata: {hello: world}\n")
            }
        }
        let shrink = Workspace(graph: try smaller.compile(), storage: setup.storage, providers: workspace.providers)
        let before = try shrink.loadState()
        let removal = try await shrink.plan(state: before)
        #expect(removal.actionLines == ["~ cluster.lab", "- vm.n2"])
        let order = Mutex<[String]>([])
        let removed = try await shrink.apply(removal, state: before) { event in
            if case .finished(let address, _, _) = event { order.withLock { $0.append("\(address)") } }
        }
        #expect(removed.succeeded, "\(removed.failures.map(\.message))")
        #expect(order.withLock { $0 } == ["cluster.lab", "vm.n2"])
        #expect(await setup.nodes() == ["n1"])
        #expect(setup.worker.kubeadmLog == ["join n2", "reset"])
        #expect(await pve.vmIDs() == [200, 9000], "vm.n2 (201) is gone from Proxmox")
        await pve.shutdown()
    }

    /// Labels and taints change through the API, with no kubeadm command; a label changed by hand
    /// shows as drift.
    @Test func labelsAndTaintsChangeThroughTheAPI() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        try await setup.apply(setup.lab(Self.cluster(setup, workers: [setup.node("w1", labels: ["gpu": "intel"])])))
        let changed = Self.cluster(setup, workers: [setup.node("w1", labels: ["disk": "ssd"]).tainted("dedicated", "storage")])
        let plan = try await setup.plan(setup.lab(changed))
        #expect(plan.actionLines == ["~ cluster.lab"])
        #expect(plan.changes.first { $0.address == "cluster.lab" }?.reasons == ["w1: labels and taints change through the API"])
        setup.commands.clear()
        try await setup.apply(setup.lab(changed))
        #expect(await setup.label("w1", "gpu") == nil)
        #expect(await setup.label("w1", "disk") == "ssd")
        let node: Value? = await setup.kube.object(apiVersion: "v1", plural: "nodes", name: "w1")
        let taints: Value = [["key": "dedicated", "value": "storage", "effect": "NoSchedule"]]
        #expect(node?["spec"]?["taints"] == taints)
        #expect(setup.mutatingCommands == [], "labels and taints need no command on a node")
        #expect(try await setup.plan(setup.lab(changed)).actionLines == [])

        try await setup.kube.edit(apiVersion: "v1", plural: "nodes", name: "w1", patch: ["metadata": ["labels": ["disk": "hdd"]]])
        #expect(try await setup.plan(setup.lab(changed)).actionLines == ["~ cluster.lab"], "a label changed by hand is drift")
    }

    /// A control plane added to a cluster an earlier run built joins with certificates uploaded
    /// again under this run's key, which is never stored or printed.
    @Test func aControlPlaneJoinsAClusterBuiltEarlier() async throws {
        let setup = try await Setup(names: ["cp", "cp2"])
        defer { Task { await setup.kube.shutdown() } }
        func lab(_ controlPlanes: [String]) -> Lab {
            setup.lab(
                Cluster(
                    "lab", kubernetes: "1.31.4", controlPlane: controlPlanes.map { setup.node($0) }, skipKubeProxy: true,
                    access: setup.access
                ) {
                })
        }
        try await setup.apply(lab(["cp"]))
        #expect(
            try await setup.plan(lab(["cp", "cp2"])).changes.first { $0.address == "cluster.lab" }?.reasons == [
                "cp2 joins the cluster (kubeadm join)"
            ])
        try await setup.apply(lab(["cp", "cp2"]))
        #expect(setup.controlPlane.kubeadmLog == ["init cp", "upload-certs"])
        #expect(setup.worker.kubeadmLog == ["join cp2"])
        #expect(setup.worker.contents(of: "/etc/kubernetes/manifests/kube-apiserver.yaml") != nil, "cp2 runs a control plane")
        let state = String(decoding: try StateFileFormat.encode(try #require(try setup.storage.load())), as: UTF8.self)
        #expect(Self.secretsIn(state) == [])
        #expect(Self.secretsIn(setup.commands.entries.joined(separator: "\n")) == [])
    }

    /// A minor upgrade: the plan says what will happen; kubeadm upgrade apply on the control plane,
    /// then the worker drained (its pod evicted, the DaemonSet's pod kept), upgraded, back Ready
    /// with the new kubelet and uncordoned. The next plan is clean.
    @Test func aMinorUpgradeOneNodeAtATime() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        try await Self.buildRepositories(setup)
        try await setup.apply(setup.lab(Self.cluster(setup)))
        let client = try KubernetesClient(
            access: ClusterAccess(server: setup.kube.endpoint, tls: TLSOptions(trust: .caPEM(setup.kube.caPEM)), token: setup.kube.token))
        try await Self.putPods(on: "w1", client: client)

        let upgrade = try await setup.plan(setup.lab(Self.cluster(setup, kubernetes: "1.32.0")))
        #expect(upgrade.actionLines == ["~ cluster.lab"])
        #expect(
            upgrade.changes.first { $0.address == "cluster.lab" }?.reasons == [
                "upgrade Kubernetes 1.31.4 → 1.32.0: kubeadm and kubectl 1.32.0 on every node; kubeadm upgrade apply on cp; "
                    + "then one node at a time, cp, w1: drain, kubeadm upgrade node (after the first), kubelet 1.32.0, Ready, uncordon"
            ])
        try await setup.apply(setup.lab(Self.cluster(setup, kubernetes: "1.32.0")))
        #expect(setup.controlPlane.kubeadmLog == ["init cp", "upgrade apply v1.32.0"])
        #expect(setup.worker.kubeadmLog == ["join w1", "upgrade node"])
        for name in ["cp", "w1"] {
            let node: Value? = await setup.kube.object(apiVersion: "v1", plural: "nodes", name: name)
            #expect(node?["status"]?["nodeInfo"]?["kubeletVersion"] == "v1.32.0")
            #expect(node?["spec"]?["unschedulable"] == nil, "\(name) is uncordoned")
        }
        let pods: [String] = await setup.kube.names(apiVersion: "v1", plural: "pods")
        #expect(pods == ["kube-system/cilium-w1"], "the worker's pod was evicted, the DaemonSet's kept")
        // One node at a time: the control plane is back before the worker is drained.
        let steps: [String] = setup.progress.entries.filter { $0.contains("drain") || $0.contains("waiting for Ready") }
        #expect(
            steps == ["cp: drain", "cp: waiting for Ready with kubelet v1.32.0", "w1: drain", "w1: waiting for Ready with kubelet v1.32.0"])
        #expect(try await setup.plan(setup.lab(Self.cluster(setup, kubernetes: "1.32.0"))).actionLines == [])
    }

    /// An upgrade that stops halfway (the worker's new kubelet cannot be fetched, after its drain
    /// and `kubeadm upgrade node`) fails, still plans as an upgrade, and the next run finishes it
    /// without upgrading the control plane again, and uncordons the worker.
    @Test func anUpgradeStoppedHalfwayFinishesOnTheNextRun() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        try await Self.buildRepositories(setup)
        try await setup.apply(setup.lab(Self.cluster(setup)))
        let worker = try await SSHConnection.connect(setup.worker.configuration())
        let kubelet = "/srv/k8s/v1.32/kubelet_1.32.0-1.1_all.deb"
        _ = try await worker.execute(ShellCommand("mv", kubelet, "/srv/kubelet.away"))
        let result = try await setup.apply(setup.lab(Self.cluster(setup, kubernetes: "1.32.0")), expectSuccess: false)
        #expect(!result.succeeded)
        #expect(setup.controlPlane.kubeadmLog == ["init cp", "upgrade apply v1.32.0"])
        #expect(setup.worker.kubeadmLog == ["join w1", "upgrade node"])
        let cordoned: Value? = await setup.kube.object(apiVersion: "v1", plural: "nodes", name: "w1")
        #expect(cordoned?["spec"]?["unschedulable"] == true)
        #expect(try await setup.plan(setup.lab(Self.cluster(setup, kubernetes: "1.32.0"))).actionLines == ["~ cluster.lab"])

        _ = try await worker.execute(ShellCommand("mv", "/srv/kubelet.away", kubelet))
        try await setup.apply(setup.lab(Self.cluster(setup, kubernetes: "1.32.0")))
        #expect(setup.controlPlane.kubeadmLog == ["init cp", "upgrade apply v1.32.0"])
        #expect(setup.worker.kubeadmLog == ["join w1", "upgrade node", "upgrade node"])
        let node: Value? = await setup.kube.object(apiVersion: "v1", plural: "nodes", name: "w1")
        #expect(node?["spec"]?["unschedulable"] == nil)
        #expect(node?["status"]?["nodeInfo"]?["kubeletVersion"] == "v1.32.0")
        #expect(try await setup.plan(setup.lab(Self.cluster(setup, kubernetes: "1.32.0"))).actionLines == [])
    }

    /// The API server certificate's expiry is read on refresh; the plan warns once renewal is due.
    @Test func certificateExpiryShowsWhenRenewalIsDue() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        try await setup.apply(setup.lab(workers: false))
        let clean = try await setup.plan(setup.lab(workers: false))
        #expect(clean.warnings == [])
        let expiry = try #require(clean.changes.first { $0.address == "cluster.lab" }?.before?["certificatesExpire"]?.stringValue)
        let left = try #require(ISO8601DateFormatter().date(from: expiry)).timeIntervalSinceNow / 86400
        #expect(left > 360 && left <= 365, "kubeadm's certificates last a year")

        // Ten days left, as on a cluster built a year ago.
        let ssh = try await SSHConnection.connect(setup.controlPlane.configuration())
        _ = try await ssh.execute(
            ShellCommand(
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "10", "-subj",
                "/CN=kube-apiserver", "-keyout", "/etc/kubernetes/pki/apiserver.key", "-out", "/etc/kubernetes/pki/apiserver.crt"))
        let due = try await setup.plan(setup.lab(workers: false))
        #expect(due.actionLines == [])
        #expect(due.warnings.count == 1)
        #expect(due.warnings.first?.hasPrefix("cluster.lab: the cluster's certificates expire on ") == true)
        #expect(due.warnings.first?.contains(", in 9 days: renew them with `kubeadm certs renew all` on each control plane") == true)
    }

    /// Issue #12 point 3: the cilium CLI comes from a pinned download, checked before it is
    /// unpacked: a wrong pin installs nothing, the right one installs it once.
    @Test func theCiliumCLIIsDownloadedAndCheckedAgainstItsPin() async throws {
        let setup = try await Setup()
        defer { Task { await setup.kube.shutdown() } }
        // A release archive whose CLI reports v0.19.2, served to the node as a file.
        let fixture = try String(contentsOfFile: DisposableRoot.fixtures + "/cilium", encoding: .utf8)
        let staging = setup.controlPlane.directory + "/cilium-cli"
        let release = setup.controlPlane.upper + "/srv/cilium-cli"
        for directory in [staging, release] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try fixture.replacingOccurrences(of: #"CLI_VERSION = "v0.18.3""#, with: #"CLI_VERSION = "v0.19.2""#).write(
            toFile: staging + "/cilium", atomically: false, encoding: .utf8)
        _ = try await offCooperativePool {
            try SSHDHarness.run("/bin/chmod", ["0755", staging + "/cilium"])
            try SSHDHarness.run("/bin/tar", ["-czf", release + "/cilium-linux-amd64.tar.gz", "-C", staging, "cilium"])
        }
        let archive = try Data(contentsOf: URL(fileURLWithPath: release + "/cilium-linux-amd64.tar.gz"))
        let pin = SHA256.hash(data: archive).map { String(format: "%02x", $0) }.joined()
        func lab(_ sha256: String) -> Lab {
            setup.lab(
                Cluster("lab", kubernetes: "1.31.4", controlPlane: [setup.node("cp")], skipKubeProxy: true, access: setup.access) {
                    Cilium(
                        "1.19.1", kubeProxyReplacement: true,
                        cli: CiliumCLI(version: "v0.19.2", sha256: sha256, url: "file:///srv/cilium-cli/cilium-linux-amd64.tar.gz"))
                })
        }
        let wrong = String(repeating: "0", count: 64)
        let failed = try await setup.apply(lab(wrong), expectSuccess: false)
        #expect(failed.failures.map(\.message).joined().contains("not the pinned \(wrong); nothing was installed"))
        #expect(setup.controlPlane.contents(of: "/usr/local/bin/cilium") == nil)
        #expect(await setup.agentImage() == nil)

        try await setup.apply(lab(pin))
        #expect(setup.controlPlane.contents(of: "/usr/local/bin/cilium")?.contains(#"CLI_VERSION = "v0.19.2""#) == true)
        #expect(await setup.agentImage() == "quay.io/cilium/cilium:v1.19.1")
        setup.commands.clear()
        try await setup.apply(lab(pin))
        #expect(setup.mutatingCommands == [], "a rerun downloads nothing")
    }

    /// A workload's pod and a DaemonSet's pod on `node`.
    static func putPods(on node: String, client: KubernetesClient) async throws {
        for (namespace, name, owner) in [("default", "web-\(node)", "ReplicaSet"), ("kube-system", "cilium-\(node)", "DaemonSet")] {
            let pod: Value = [
                "apiVersion": "v1", "kind": "Pod",
                "metadata": [
                    "name": .string(name), "namespace": .string(namespace),
                    "ownerReferences": [["apiVersion": "apps/v1", "kind": .string(owner), "name": "owner", "uid": "1"]],
                ],
                "spec": ["nodeName": .string(node), "containers": [["name": "main", "image": "nginx"]]],
            ]
            try await client.apply(pod, fieldManager: "test")
        }
    }
}
