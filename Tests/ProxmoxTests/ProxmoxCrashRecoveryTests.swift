import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import Testing

/// Issue #10 against the PVE simulator: a VM create that fails after its clone leaves the VM in
/// state, tainted, and the next apply replaces it; power steps treat "already so" as done.
@Suite struct ProxmoxCrashRecoveryTests {
    private func oneVM(_ pve: PVEHarness, started: Bool = true) -> Lab {
        pve.lab {
            Template(
                "tpl", vmid: 9000, source: .cloudImage(url: PVEHarness.imageURL, checksum: "sha256:\(PVEHarness.imageSHA256)"),
                cores: 2, memory: .mib(2048), disk: .gib(8))
            VM("web", vmid: 200, from: "tpl", cores: 2, memory: .mib(2048), disk: .gib(10), ip: "10.0.0.10/24", started: started)
        }
    }

    /// Each way a create can fail once the clone task has started. (A dropped connection is not
    /// among them: libcurl itself resends on a dead reused connection, so how many drops a request
    /// survives is not deterministic; the crash campaign's kills cover a client that vanishes.)
    static let failuresAfterTheClone: [(String, PVEFault)] = [
        (
            "the config PUT is refused",
            PVEFault(.status(400, "Parameter verification failed."), matching: "PUT /nodes/homelabpve01/qemu/200/config")
        ),
        (
            "the start task fails",
            PVEFault(.failTask("start failed: QEMU exited with code 1"), matching: "POST /nodes/homelabpve01/qemu/200/status/start")
        ),
        (
            "a resize is refused",
            PVEFault(
                .status(500, "disk resize failed: storage 'local-lvm' is full"), matching: "PUT /nodes/homelabpve01/qemu/200/resize")
        ),
    ]

    @Test(arguments: 0..<3)
    func aCreateThatFailsAfterTheCloneIsTaintedAndReplaced(_ index: Int) async throws {
        let (label, fault) = Self.failuresAfterTheClone[index]
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        pve.simulator.inject(fault)
        try await failsTainted(pve, label)
        try await isReplacedNext(pve, label)
    }

    /// The first apply fails after the clone, and the cloned VM is in state, tainted.
    private func failsTainted(_ pve: PVEHarness, _ label: String) async throws {
        let first: ApplyResult = try await pve.apply(oneVM(pve))
        let failed: [ResourceAddress] = first.failures.map(\.address)
        #expect(failed == ["vm.web"], "\(label)")
        #expect(first.tainted == ["vm.web"], "\(label)")
        let state: State = try #require(try pve.storage.load())
        #expect(state["vm.web"]?.isTainted == true, "\(label): the cloned VM is in state")
        let vmids: [Int] = await pve.simulator.vmIDs()
        #expect(vmids == [200, 9000])
    }

    /// The next plan replaces the tainted VM, and the apply after it converges.
    private func isReplacedNext(_ pve: PVEHarness, _ label: String) async throws {
        let plan: Plan = try await pve.plan(oneVM(pve))
        #expect(plan.actionLines == ["-/+ vm.web"], "\(label)")
        let second: ApplyResult = try await pve.apply(oneVM(pve))
        #expect(second.succeeded, "\(label): \(second.failures)")
        #expect(second.added == 1 && second.destroyed == 1)
        let state: State = try #require(try pve.storage.load())
        #expect(state["vm.web"]?.isTainted == false)
        let running: Bool? = await pve.simulator.isRunning(200)
        #expect(running == true)
        let after: Plan = try await pve.plan(oneVM(pve))
        #expect(after.actionLines.isEmpty)
        #expect(pve.simulator.schemaViolations.isEmpty)
    }

    @Test func startingARunningVMAndStoppingAStoppedOneAreDone() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        #expect(try await pve.apply(oneVM(pve, started: false)).succeeded)
        // A run killed during its start task: the VM runs, but the state still says stopped.
        let plan = try await pve.plan(oneVM(pve, started: true))
        #expect(plan.actionLines == ["~ vm.web"])
        await pve.simulator.addVM(200, node: "homelabpve01", config: await pve.simulator.vmConfig(200) ?? [:], running: true)
        let workspace = try pve.workspace(oneVM(pve, started: true))
        let result = try await workspace.apply(plan, state: try workspace.loadState())
        #expect(result.succeeded, "\(result.failures)")
        // And the other way: a stop of a VM that already stopped.
        let stopPlan = try await pve.plan(oneVM(pve, started: false))
        await pve.simulator.addVM(200, node: "homelabpve01", config: await pve.simulator.vmConfig(200) ?? [:], running: false)
        let stopping = try pve.workspace(oneVM(pve, started: false))
        let stopped = try await stopping.apply(stopPlan, state: try stopping.loadState())
        #expect(stopped.succeeded, "\(stopped.failures)")
        #expect(await pve.simulator.isRunning(200) == false)
    }

    /// Issue #11 a: changing one element of a list (a tag) reaches Proxmox; the plan after is clean.
    @Test func aChangeInsideAListIsSent() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        func lab(_ tags: [String]) -> Lab {
            pve.lab {
                Template(
                    "tpl", vmid: 9000, source: .cloudImage(url: PVEHarness.imageURL, checksum: "sha256:\(PVEHarness.imageSHA256)"),
                    cores: 2, memory: .mib(2048), disk: .gib(8))
                VM("web", vmid: 200, from: "tpl", cores: 2, memory: .mib(2048), disk: .gib(10), ip: "10.0.0.10/24", tags: tags)
            }
        }
        #expect(try await pve.apply(lab(["k8s", "worker"])).succeeded)
        let plan = try await pve.plan(lab(["k8s", "gpu"]))
        #expect(plan.actionLines == ["~ vm.web"])
        #expect(plan.changes.first { $0.address == "vm.web" }?.diffs.map(\.path.description) == ["tags[1]"])
        let result = try await pve.apply(lab(["k8s", "gpu"]))
        #expect(result.succeeded && result.changed == 1, "\(result.failures)")
        #expect(await pve.simulator.vmConfig(200)?["tags"]?.contains("gpu") == true)
        #expect(try await pve.plan(lab(["k8s", "gpu"])).actionLines == [])
    }
}
