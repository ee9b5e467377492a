import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SeedHomelab
import Testing

/// Issue #13 points 1 and 3: `--sandbox` as a user runs it, through `SandboxedLab` (what
/// HomelabKitTesting offers for users' own descriptions), on the `SandboxLab` fixture: a node
/// configured over SSH, a template, two VMs, a kubeadm cluster with Cilium and a workload. All
/// five stages apply in one run against the simulators at the description's own addresses; the
/// next plan is clean; an edited VM is exactly one in-place update; destroy removes every VM;
/// killed runs leave nothing the next one does not clean up, and it finishes their work.
@Suite(.serialized) struct SandboxTests {
    static let pve = "192.168.77.2"

    static func lab(cores: Int = 2) throws -> SandboxedLab {
        try SandboxedLab(executable: SandboxedLab.product("SandboxLab"), environment: ["SANDBOX_LAB_CORES": String(cores)])
    }

    @Test func allFiveStagesApplyThenPlanCleanThenOneEditThenDestroy() async throws {
        try #require(geteuid() == 0, "the sandbox needs root (CI runs as root)")
        let lab = try Self.lab()
        var outputs: [String] = []

        let apply = try await lab.apply()
        outputs.append(apply.output)
        #expect(apply.status == 0, "\(apply.output)")
        #expect(apply.output.contains("Apply complete! Resources: 10 added, 0 changed, 0 destroyed."), "\(apply.output)")
        // Progress per stage, in one run: the node over SSH, Proxmox, kubeadm, Cilium, a workload.
        for line in [
            "file.pve1//etc/motd: done", "template.ubuntu: done", "vm.k1: done", "cluster.lab: k1: kubeadm init",
            "cluster.lab: k2: kubeadm join", "cni.lab: done", "manifest.lab/greeting: done",
        ] {
            #expect(apply.output.contains(line), "\(line)")
        }
        let vms = try lab.records.proxmoxVMs(host: Self.pve)
        #expect(vms[100]?.config["cores"] == "2")
        #expect(vms[101]?.config["ipconfig0"] == "ip=192.168.77.11/24,gw=192.168.77.1")
        #expect(vms[100]?.running == true)
        let objects = Set(try lab.records.kubernetesObjects().map { "\($0.plural)/\($0.name)" })
        #expect(objects.isSuperset(of: ["nodes/k1", "nodes/k2", "configmaps/greeting", "daemonsets/cilium"]), "\(objects)")
        #expect(lab.records.nodeFile("pve1", "/etc/motd") == "A HomelabKit sandbox node.\n")
        #expect(lab.records.vmFile(100, "/var/lib/homelab-test/kubeadm.log")?.contains("init k1") == true)

        let plan = try await lab.plan()
        outputs.append(plan.output)
        #expect(plan.status == 0, "\(plan.output)")
        #expect(plan.output.contains("No changes."))

        let edited = ["SANDBOX_LAB_CORES": "4"]
        let edit = try await lab.plan(environment: edited)
        outputs.append(edit.output)
        #expect(edit.status == 2, "\(edit.output)")
        #expect(edit.output.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "\(edit.output)")
        #expect(edit.output.contains("# vm.k1 will be updated in-place"))
        let applied = try await lab.apply(environment: edited)
        outputs.append(applied.output)
        #expect(applied.output.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "\(applied.output)")
        #expect(try lab.records.proxmoxVMs(host: Self.pve)[100]?.config["cores"] == "4")

        let destroy = try await lab.destroy(environment: edited)
        outputs.append(destroy.output)
        #expect(destroy.output.contains("Destroy complete! Resources: 0 added, 0 changed, 10 destroyed."), "\(destroy.output)")
        #expect(try lab.records.proxmoxVMs(host: Self.pve).isEmpty)
        #expect(lab.records.vmDisks == [], "a destroyed VM's disk goes")
        #expect(lab.leftovers(outputs) == [])
    }

    @Test func killedRunsLeaveNothingAndTheNextRunFinishes() async throws {
        try #require(geteuid() == 0, "the sandbox needs root (CI runs as root)")
        let lab = try Self.lab()
        var outputs: [String] = []
        // Killed three times in a row (SIGKILL): inside the sandbox's start (building its apt
        // archive, with temporary files open), inside a Proxmox task, then inside kubeadm init.
        for marker in ["Sandbox: a simulated homelab", "vm.k1: cloning", "kubeadm init"] {
            let killed = try await lab.kill(["apply", "--sandbox", "--auto-approve"], at: marker)
            #expect(killed.output.contains(marker) && killed.status == -1, "\(killed.output)")
            outputs.append(killed.output)
        }
        // Then Ctrl-C inside kubeadm join: the run stops, saves, and leaves nothing on the machine.
        let interrupted = try await lab.kill(["apply", "--sandbox", "--auto-approve"], at: "kubeadm join", signal: SIGINT)
        outputs.append(interrupted.output)
        #expect(interrupted.status == 1, "it exits by itself, not by the signal")
        #expect(
            interrupted.output.contains("Stop requested") && interrupted.output.contains("Apply interrupted"), "\(interrupted.output)")
        // The killed runs' temporary files were removed by the next run; the interrupted run's own
        // namespace and files by itself.
        #expect(lab.leftovers(outputs) == [], "an interrupted run removes its sandbox itself")
        let apply = try await lab.apply()
        outputs.append(apply.output)
        #expect(apply.status == 0, "\(apply.output)")
        let plan = try await lab.plan()
        outputs.append(plan.output)
        #expect(plan.status == 0, "the killed runs' work was finished, nothing made twice: \(plan.output)")
        #expect(Set(try lab.records.proxmoxVMs(host: Self.pve).keys) == [100, 101, 9000])
        let destroy = try await lab.destroy()
        outputs.append(destroy.output)
        #expect(destroy.status == 0, "\(destroy.output)")
        #expect(lab.leftovers(outputs) == [])
    }

    /// Issue #13 point 6: the seed itself, all five stages in one run from empty: the node's
    /// `pve-host.yml` roles over SSH with the IOMMU reboot; the ISO template built, provisioned and
    /// sealed; three VMs; kubeadm init and joins; Cilium; ArgoCD and every Application, each
    /// created only once those it comes after are Synced and Healthy. Then a clean plan, one edit
    /// in the Swift (`SeedEdit`: a VM's cores) that is exactly one in-place update, and destroy.
    @Test func theSeedAppliesEndToEndThenPlansCleanThenOneEditThenDestroys() async throws {
        try #require(geteuid() == 0, "the sandbox needs root (CI runs as root)")
        let lab = try SandboxedLab(executable: SandboxedLab.product("Homelab"))
        let graph = try SeedHomelab.lab.compile()
        let count = graph.resources.count
        var outputs: [String] = []

        let apply = try await lab.apply()
        outputs.append(apply.output)
        #expect(apply.status == 0, "\(apply.output)")
        #expect(apply.output.contains("Apply complete! Resources: \(count) added, 0 changed, 0 destroyed."), "\(apply.output)")
        // Progress per stage: the node over SSH, Proxmox, kubeadm, Kubernetes.
        for stage in ["host", "proxmox", "kubeadm", "kubernetes"] {
            #expect(apply.output.contains("── Stage \(stage): all "), "\(stage)")
        }
        let node = { (path: String) in lab.records.nodeFile("homelabpve01", path) ?? "" }
        #expect(node("/etc/network/interfaces").contains("address 192.168.10.2/24"))
        #expect(node("/boot/grub/grub.cfg").contains("intel_iommu=on"), "update-grub ran after the change")
        #expect(node("/etc/modules").contains("vfio_pci"))
        #expect(node("/etc/apt/sources.list.d/pve-no-subscription.list").contains("http://download.proxmox.com/debian/pve bookworm"))
        let vms = try lab.records.proxmoxVMs(host: "192.168.10.2")
        #expect(vms[9000]?.config["template"] == "1")
        #expect(vms[200]?.config["cores"] == "2" && vms[201]?.config["cores"] == "4" && vms[200]?.running == true)
        #expect(vms[201]?.config["ipconfig0"] == "ip=192.168.10.51/24,gw=192.168.10.1")
        #expect(vms[202]?.config["hostpci0"]?.contains("mapping=igpu") == true)
        // The template's provisioning ran on its build VM (its disk is the template's).
        #expect(lab.records.vmFile(9000, "/etc/containerd/config.toml")?.contains("SystemdCgroup = true") == true)
        #expect(lab.records.vmFile(200, "/var/lib/homelab-test/kubeadm.log") == "init homelabk8s01-node-1\n")

        let served = try await lab.records.servedKubernetesObjects()
        let nodes = served.filter { $0.plural == "nodes" }
        #expect(nodes.map(\.name).sorted() == ["homelabk8s01-node-1", "homelabk8s01-node-2", "homelabk8s01-node-3"])
        for node in nodes {
            let ready = node.status?["conditions"]?.arrayValue?.first { $0["type"] == "Ready" }
            #expect(ready?["status"] == "True", "\(node.name): \(String(describing: ready))")
        }
        #expect(nodes.first { $0.name == "homelabk8s01-node-3" }?.object["metadata"]?["labels"]?["gpu"] == "intel")
        #expect(served.contains { $0.plural == "deployments" && $0.namespace == "argocd" && $0.name == "argocd-server" })

        // Every Application: there, Synced and Healthy, and created after those it comes after
        // were done (the provider prints done once they are Synced and Healthy).
        let applications = graph.resources.filter { $0.type.name == KubernetesTypes.application.name }
        let servedApplications = Dictionary(
            served.filter { $0.plural == "applications" }.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(servedApplications.count == applications.count && applications.count > 30)
        for application in applications {
            let name = application.attributes["name"]?.stringValue ?? ""
            let object = servedApplications[name]
            #expect(object?.status?["sync"]?["status"] == "Synced" && object?.status?["health"]?["status"] == "Healthy", "\(name)")
            #expect(apply.output.contains("\(application.address): done"), "\(application.address)")
            for dependency in application.dependencies where dependency.kind == application.address.kind {
                let before = graph[dependency]?.attributes["name"]?.stringValue ?? ""
                #expect(
                    (servedApplications[before]?.createdVersion ?? .max) < (object?.createdVersion ?? 0),
                    "\(name) was created after \(before)")
                let done = apply.output.range(of: "\(dependency): done")?.lowerBound
                let started = apply.output.range(of: "\(application.address): creating")?.lowerBound
                #expect(done.flatMap { done in started.map { done < $0 } } == true, "\(name) started after \(before) was done")
            }
        }

        let plan = try await lab.plan()
        outputs.append(plan.output)
        #expect(plan.status == 0 && plan.output.contains("No changes."), "\(plan.output)")

        let edited = SandboxedLab.product("SeedEdit")
        let edit = try await lab.run(["plan", "--sandbox", "--detailed-exitcode"], executable: edited)
        outputs.append(edit.output)
        #expect(edit.status == 2, "\(edit.output)")
        #expect(edit.output.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "\(edit.output)")
        #expect(edit.output.contains("# vm.homelabk8s01-node-2 will be updated in-place"))
        let applied = try await lab.run(["apply", "--sandbox", "--auto-approve"], executable: edited)
        outputs.append(applied.output)
        #expect(applied.output.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "\(applied.output)")
        #expect(try lab.records.proxmoxVMs(host: "192.168.10.2")[201]?.config["cores"] == "6")

        let destroy = try await lab.run(["destroy", "--sandbox", "--auto-approve"], executable: edited)
        outputs.append(destroy.output)
        #expect(destroy.output.contains("Destroy complete! Resources: 0 added, 0 changed, \(count) destroyed."), "\(destroy.output)")
        #expect(try lab.records.proxmoxVMs(host: "192.168.10.2").isEmpty)
        #expect(lab.records.vmDisks == [], "a destroyed VM's disk goes")
        #expect(lab.leftovers(outputs) == [])
    }
}
