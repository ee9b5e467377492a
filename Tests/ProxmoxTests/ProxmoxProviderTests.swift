import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SeedHomelab
import Testing

/// The Proxmox provider over real HTTPS against the PVE simulator. Every request it sends is also
/// checked against the official schema (`../shared/pve-api/apidata.js`); a violation fails the test.
@Suite struct ProxmoxProviderTests {
    @Test func seedNodeTemplateAndThreeVMsApplyThenPlanClean() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        let lab = pve.seedLab()
        let result = try await pve.apply(lab)
        #expect(result.succeeded, "\(result.failures.map(\.message))")
        #expect(result.added == 7)  // node, bridge, PCI mapping, template, three VMs
        #expect(pve.simulator.schemaViolations == [])
        #expect(await pve.simulator.vmIDs() == [200, 201, 202, 9000])
        try await checkTemplateAndNode3(pve)
        #expect(await pve.simulator.networkInterfaces("homelabpve01")["vmbr0"]?["cidr"] == "192.168.10.2/24")
        #expect(await pve.simulator.mappingIDs() == ["igpu"])

        // Reading everything back through the API matches the description: nothing to do.
        #expect(try await pve.plan(lab).actionLines == [])
        let state = try pve.storage.load()
        #expect(state?["vm.homelabk8s01-node-3"]?.attributes["mac"]?.stringValue?.hasPrefix("BC:24:11:") == true)
        #expect(state?["pci.igpu"]?.attributes["deviceID"]?.stringValue == "8086:46a6")
    }

    /// The template is a template; node 3 has the seed's size, address, key, tags and the iGPU.
    func checkTemplateAndNode3(_ pve: PVEHarness) async throws {
        let template = try #require(await pve.simulator.vmConfig(9000))
        #expect(template["template"] == "1")
        #expect(template["scsi0"]?.hasPrefix("local-lvm:base-9000-disk-0") == true)
        let node3 = try #require(await pve.simulator.vmConfig(202))
        #expect(node3["hostpci0"] == "mapping=igpu")
        #expect(node3["cores"] == "4" && node3["memory"] == "24576")
        #expect(node3["ipconfig0"] == "ip=192.168.10.52/24,gw=192.168.10.1")
        #expect(node3["sshkeys"]?.removingPercentEncoding == SeedHomelab.sshKey)
        #expect(node3["tags"] == "k8s;worker;gpu")
        #expect(node3["scsi0"]?.contains("size=64G") == true)
        #expect(await pve.simulator.isRunning(202) == true)
    }

    @Test func inPlaceUpdateReplacementAndDelete() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        try await pve.apply(pve.seedLab())
        let mac = try #require(await pve.simulator.vmConfig(200)?["net0"])

        // More cores and memory for node 1: an in-place update of the same VM.
        let bigger = pve.lab {
            PVEHarness.seedBridge
            SeedHomelab.network
            Template(
                "k8s-node-template", vmid: 9000,
                source: .cloudImage(url: PVEHarness.imageURL, checksum: "sha256:\(PVEHarness.imageSHA256)"), cores: 2, memory: .mib(4096),
                description: "K8s-ready Ubuntu 24.04")
            VM(
                "homelabk8s01-node-1", vmid: 200, from: "k8s-node-template", cores: 4, memory: .mib(16384), disk: .gib(40),
                ip: "192.168.10.50/24", gateway: "192.168.10.1", nameservers: ["192.168.10.1"], user: "media",
                sshKeys: [SeedHomelab.sshKey], tags: ["k8s", "control-plane"])
            VM(
                "homelabk8s01-node-2", vmid: 201, from: "k8s-node-template", cores: 4, memory: .mib(24576), disk: .gib(64),
                diskStorage: "local", ip: "192.168.10.51/24", gateway: "192.168.10.1", nameservers: ["192.168.10.1"], user: "media",
                sshKeys: [SeedHomelab.sshKey], tags: ["k8s", "worker"])
        }
        let plan = try await pve.plan(bigger)
        #expect(plan.actionLines == ["~ vm.homelabk8s01-node-1", "-/+ vm.homelabk8s01-node-2", "- vm.homelabk8s01-node-3"])
        let result = try await pve.apply(bigger)
        #expect(result.succeeded, "\(result.failures.map(\.message))")
        #expect(pve.simulator.schemaViolations == [])
        let node1 = try #require(await pve.simulator.vmConfig(200))
        #expect(node1["cores"] == "4" && node1["memory"] == "16384" && node1["scsi0"]?.contains("size=40G") == true)
        #expect(node1["net0"] == mac, "an in-place update keeps the VM and its MAC")
        #expect(await pve.simulator.vmConfig(201)?["scsi0"]?.hasPrefix("local:") == true, "replaced onto the new storage")
        #expect(await pve.simulator.vmIDs() == [200, 201, 9000], "node 3 deleted")
        #expect(try await pve.plan(bigger).actionLines == [])
    }

    @Test func driftMadeOutsideShowsInThePlan() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        let lab = pve.seedLab()
        try await pve.apply(lab)
        await pve.simulator.setVMConfig(201, "memory", "4096")
        await pve.simulator.setVMConfig(202, "hostpci0", nil)
        let plan = try await pve.plan(lab)
        #expect(plan.actionLines == ["~ vm.homelabk8s01-node-2", "~ vm.homelabk8s01-node-3"])
        let memory = plan.changes.first { $0.address == "vm.homelabk8s01-node-2" }?.diffs.first { $0.path.description == "memory" }
        #expect(memory?.before == 4096 && memory?.after == 24576)
        try await pve.apply(lab)
        #expect(await pve.simulator.vmConfig(202)?["hostpci0"] == "mapping=igpu")
        #expect(try await pve.plan(lab).actionLines == [])
    }

    @Test func importAnExistingVMByNodeAndVMID() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        let lab = pve.seedLab()
        try await pve.apply(lab)
        let workspace = try pve.workspace(lab)
        let forgotten = try await workspace.removeFromState(["vm.homelabk8s01-node-1"], state: workspace.loadState())
        #expect(forgotten["vm.homelabk8s01-node-1"] == nil)
        #expect(try await pve.plan(lab).actionLines == ["+ vm.homelabk8s01-node-1"])
        let imported = try await workspace.importResource("vm.homelabk8s01-node-1", id: "homelabpve01/200", state: workspace.loadState())
        #expect(imported.attributes["vmid"] == 200)
        #expect(try await pve.plan(lab).actionLines == [], "an imported VM matches its declaration: no replacement")
        await #expect(throws: (any Error).self) {
            _ = try await workspace.importResource("vm.homelabk8s01-node-1", id: "homelabpve01/777", state: workspace.loadState())
        }
    }

    @Test func aVMIDTakenByAnotherVMIsRefusedAndLeftAlone() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        await pve.simulator.addVM(200, node: "homelabpve01", config: ["name": "someone-elses", "cores": "1"])
        let result = try await pve.apply(pve.seedLab())
        #expect(!result.succeeded)
        let message = result.failures.map(\.message).joined()
        #expect(message.contains("VMID 200 is already used on node homelabpve01 by 'someone-elses'"))
        #expect(await pve.simulator.vmConfig(200)?["name"] == "someone-elses")
        #expect(await pve.simulator.vmIDs() == [200, 201, 202, 9000])
    }

    @Test func underInjectedFaultsApplySucceedsAfterRetriesWithNoDuplicates() async throws {
        let pve = try await PVEHarness.start { configuration in
            // Full clones hold the storage lock for most of their run: parallel clones collide.
            configuration.storageLockShare = 0.9
            configuration.taskDurations.clone = .milliseconds(250)
        }
        defer { Task { await pve.shutdown() } }
        pve.simulator.inject(PVEFault(.lockTimeout, matching: "PUT /nodes/{node}/qemu/{vmid}/config", times: 2))
        pve.simulator.inject(
            PVEFault(.status(500, "got no worker upid - start worker failed"), matching: "POST /nodes/{node}/qemu/{vmid}/clone", times: 1))
        pve.simulator.inject(PVEFault(.dropConnection(afterHandling: false), matching: "GET /cluster/resources", times: 2))
        pve.simulator.inject(
            PVEFault(.status(596, "Connection timed out"), matching: "GET /nodes/{node}/qemu/{vmid}/status/current", times: 1))
        let lab = pve.seedLab()
        let result = try await pve.apply(lab)
        #expect(result.succeeded, "\(result.failures.map(\.message))")
        #expect(await pve.simulator.vmIDs() == [200, 201, 202, 9000], "no duplicate, nothing missing")
        // The faults were met and retried: one clone dispatch refused, two config writes timed out.
        let requests = pve.simulator.requests
        #expect(requests.filter { $0 == "POST /nodes/{node}/qemu/{vmid}/clone" }.count >= 4)
        #expect(requests.filter { $0 == "PUT /nodes/{node}/qemu/{vmid}/config" }.count >= 5)
        let state = try #require(try pve.storage.load())
        #expect(
            Set(state.resources.keys.filter { $0.kind == "vm" }) == [
                "vm.homelabk8s01-node-1", "vm.homelabk8s01-node-2", "vm.homelabk8s01-node-3",
            ])
        #expect(try await pve.plan(lab).actionLines == [])
        #expect(pve.simulator.schemaViolations == [])
    }

    @Test func aFailedCloneStopsWithAClearErrorAndLeavesNothingUntracked() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        pve.simulator.inject(
            PVEFault(.failTask("clone failed: storage 'local-lvm' is full"), matching: "POST /nodes/homelabpve01/qemu/9000/clone", times: 1)
        )
        let result = try await pve.apply(pve.seedLab(), parallelism: 1)
        #expect(!result.succeeded)
        let message = result.failures.map(\.message).joined(separator: "\n")
        #expect(message.contains("clone failed: storage 'local-lvm' is full"))
        #expect(message.contains("task log:"))
        // Whatever exists on the node is in state: no VM the next run would not know about.
        try await Task.sleep(for: .milliseconds(200))
        let state = try #require(try pve.storage.load())
        let tracked = Set(state.resources.values.compactMap { $0.attributes["vmid"]?.intValue })
        #expect(Set(await pve.simulator.vmIDs()).isSubset(of: tracked))
        // The next apply finishes the job.
        #expect(try await pve.apply(pve.seedLab()).succeeded)
        #expect(await pve.simulator.vmIDs() == [200, 201, 202, 9000])
    }

    @Test func bothErrorStylesGiveTheServersMessage() async throws {
        for style in [PVESimulatorConfiguration.ErrorStyle.statusLineOnly, .statusLineAndBody] {
            let pve = try await PVEHarness.start { $0.errorStyle = style }
            pve.simulator.inject(
                PVEFault(
                    .status(500, "only root can set 'hostpci0' config for non-mapped devices"),
                    matching: "PUT /nodes/{node}/qemu/{vmid}/config", times: 10))
            let result = try await pve.apply(pve.seedLab())
            let message = result.failures.map(\.message).joined(separator: "\n")
            #expect(message.contains("PUT /nodes/homelabpve01/qemu/20"), "\(style)")
            #expect(message.contains("(HTTP 500): only root can set 'hostpci0' config for non-mapped devices"), "\(style)")
            await pve.shutdown()
        }
    }

    @Test func theTokenNeverReachesErrorsStateOrPlans() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        let secret = String(pve.simulator.apiToken.split(separator: "=").last ?? "")
        let lab = pve.seedLab()
        let result = try await pve.apply(lab)
        #expect(result.succeeded)
        let state = try #require(try pve.storage.load())
        let stateText = String(decoding: try JSONEncoder().encode(StateFileFormat(state)), as: UTF8.self)
        #expect(!stateText.contains(secret))
        let plan = try await pve.plan(lab)
        #expect(!PlanRenderer(style: TerminalStyle(enabled: false)).render(plan).contains(secret))

        // A wrong token: 401, and the message names the source, never the value.
        let wrong = ProxmoxProvider(environment: ["PROXMOX_API_TOKEN": "homelab@pve!provider=not-the-secret"])
        let workspace = Workspace(graph: try lab.compile(), storage: InMemoryStateStorage(), providers: ProviderRegistry([wrong]))
        let failed = try await workspace.apply(try await workspace.plan(state: State.empty()), state: State.empty())
        let message = failed.failures.map(\.message).joined()
        #expect(message.contains("HTTP 401"))
        #expect(!message.contains("not-the-secret") && !message.contains(secret))
    }
}
