import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
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
        // Killed twice in a row: inside a Proxmox task, then inside kubeadm on a VM.
        for marker in ["vm.k1: cloning", "kubeadm init"] {
            let killed = try await lab.kill(["apply", "--sandbox", "--auto-approve"], at: marker)
            #expect(killed.contains(marker), "\(killed)")
            outputs.append(killed)
        }
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

    /// The seed itself, stages 1 to 4 in one run from empty (`--target cni.homelabk8s01`: the
    /// cluster's CNI and all it stands on): the node's `pve-host.yml` roles over SSH, the IOMMU
    /// reboot included; the ISO template built, provisioned and sealed; three VMs; kubeadm init and
    /// joins on them; Cilium. The next plan is clean, and destroy removes it all.
    @Test func theSeedsStagesOneToFourApplyInOneRun() async throws {
        try #require(geteuid() == 0, "the sandbox needs root (CI runs as root)")
        let lab = try SandboxedLab(executable: SandboxedLab.product("Homelab"))
        let scope = ["--target", "cni.homelabk8s01"]
        let apply = try await lab.run(["apply", "--sandbox", "--auto-approve"] + scope)
        #expect(apply.status == 0, "\(apply.output)")
        #expect(apply.output.contains("Apply complete! Resources: 76 added, 0 changed, 0 destroyed."), "\(apply.output)")
        let node = { (path: String) in lab.records.nodeFile("homelabpve01", path) ?? "" }
        #expect(node("/etc/network/interfaces").contains("address 192.168.10.2/24"))
        #expect(node("/boot/grub/grub.cfg").contains("intel_iommu=on"), "update-grub ran after the change")
        #expect(node("/etc/modules").contains("vfio_pci"))
        #expect(node("/etc/apt/sources.list.d/pve-no-subscription.list").contains("http://download.proxmox.com/debian/pve bookworm"))
        let vms = try lab.records.proxmoxVMs(host: "192.168.10.2")
        #expect(vms[9000]?.config["template"] == "1")
        #expect(vms[200]?.config["cores"] == "2" && vms[201]?.config["cores"] == "4" && vms[200]?.running == true)
        #expect(vms[202]?.config["hostpci0"]?.contains("mapping=igpu") == true)
        // The template's provisioning ran on its build VM (its disk is the template's).
        #expect(lab.records.vmFile(9000, "/etc/containerd/config.toml")?.contains("SystemdCgroup = true") == true)
        #expect(lab.records.vmFile(200, "/var/lib/homelab-test/kubeadm.log") == "init homelabk8s01-node-1\n")
        let nodes = try lab.records.kubernetesObjects().filter { $0.plural == "nodes" }
        #expect(nodes.map(\.name).sorted() == ["homelabk8s01-node-1", "homelabk8s01-node-2", "homelabk8s01-node-3"])
        #expect(nodes.first { $0.name == "homelabk8s01-node-3" }?.object["metadata"]?["labels"]?["gpu"] == "intel")

        let plan = try await lab.run(["plan", "--sandbox"] + scope)
        #expect(plan.output.contains("No changes."), "\(plan.output)")
        let destroy = try await lab.run(["destroy", "--sandbox", "--auto-approve"])
        #expect(destroy.output.contains("Destroy complete! Resources: 0 added, 0 changed, 76 destroyed."), "\(destroy.output)")
        #expect(try lab.records.proxmoxVMs(host: "192.168.10.2").isEmpty)
        #expect(lab.leftovers([apply.output, plan.output, destroy.output]) == [])
    }
}
