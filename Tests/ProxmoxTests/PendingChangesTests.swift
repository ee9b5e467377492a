import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import Testing

/// Issue #11 c: changes a running VM takes only at its next start. PVE keeps them in the config's
/// `[PENDING]` section and `GET …/config` shows them merged, so without care the next plan is
/// clean while the VM still runs the old values.
@Suite struct PendingChangesTests {
    private func lab(_ pve: PVEHarness, cores: Int, tags: [String] = [], restart: RestartPolicy = .shutdownAndStart) -> Lab {
        pve.lab {
            Template(
                "tpl", vmid: 9000, source: .cloudImage(url: PVEHarness.imageURL, checksum: "sha256:\(PVEHarness.imageSHA256)"),
                cores: 2, memory: .mib(2048), disk: .gib(8))
            VM(
                "web", vmid: 200, from: "tpl", cores: cores, memory: .mib(2048), disk: .gib(10), ip: "10.0.0.10/24", tags: tags,
                restart: restart)
        }
    }

    private func powerRequests(_ pve: PVEHarness) -> [String] {
        pve.simulator.requests.filter { $0.contains("/status/") && $0.hasPrefix("POST") }.map { $0.components(separatedBy: "/").last ?? "" }
    }

    /// The simulator keeps a running VM's cores pending, as qemu-server does, and shows them merged
    /// unless `current=1` asks for the values in effect.
    @Test func aRunningVMKeepsCoresPendingUntilItStarts() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        #expect(try await pve.apply(lab(pve, cores: 2, restart: .leavePending)).succeeded)
        let result = try await pve.apply(lab(pve, cores: 4, restart: .leavePending))
        #expect(result.succeeded && result.changed == 1, "\(result.failures)")
        #expect(await pve.simulator.vmConfig(200)?["cores"] == "2", "the running VM still has 2 cores")
        #expect(await pve.simulator.pendingConfig(200)["cores"] == "4")
        #expect(powerRequests(pve) == ["start"], "only the first apply's start: nothing restarted")
    }

    /// The plan marks the update "restart required"; the default policy shuts the VM down cleanly
    /// and starts it, so the change is in effect and the plan after is clean.
    @Test func theDefaultPolicyRestartsCleanlyAndTheChangeIsInEffect() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        #expect(try await pve.apply(lab(pve, cores: 2)).succeeded)
        let plan = try await pve.plan(lab(pve, cores: 4))
        let change = try #require(plan.changes.first { $0.address == "vm.web" })
        #expect(change.action == .update)
        #expect(change.reasons.contains { $0.hasPrefix("restart required: cores") && $0.contains("shuts the VM down cleanly") })
        #expect(PlanRenderer(style: .plain).render(change).contains("# (restart required: cores"))
        pve.simulator.resetRequestLog()
        let result = try await pve.apply(lab(pve, cores: 4))
        #expect(result.succeeded, "\(result.failures)")
        #expect(powerRequests(pve) == ["shutdown", "start"], "a clean shutdown, never a hard stop")
        #expect(await pve.simulator.vmConfig(200)?["cores"] == "4")
        #expect(await pve.simulator.pendingConfig(200).isEmpty)
        #expect(try await pve.plan(lab(pve, cores: 4)).actionLines == [])
    }

    /// A change the running VM takes live (tags) needs no restart and the plan says none.
    @Test func aLiveChangeNeedsNoRestart() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        #expect(try await pve.apply(lab(pve, cores: 2, tags: ["a"])).succeeded)
        let plan = try await pve.plan(lab(pve, cores: 2, tags: ["b"]))
        #expect(plan.changes.first { $0.address == "vm.web" }?.reasons == [])
        pve.simulator.resetRequestLog()
        #expect(try await pve.apply(lab(pve, cores: 2, tags: ["b"])).succeeded)
        #expect(powerRequests(pve) == [])
        #expect(await pve.simulator.vmConfig(200)?["tags"] == "b")
    }

    /// Left pending, the change is what plan and state say: state lists what awaits the restart and
    /// every later plan warns; switching the policy back restarts the VM.
    @Test func leftPendingThePlanAndStateSaySo() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        try await leavePendingCores(pve)
        let state: State = try #require(try pve.storage.load())
        let waiting: Value? = state["vm.web"]?.attributes["awaitingRestart"]
        #expect(waiting == ["cores"])
        let later: Plan = try await pve.plan(lab(pve, cores: 4, restart: .leavePending))
        #expect(later.actionLines == [])
        #expect(later.warnings.contains { $0.hasPrefix("vm.web: restart required: cores") })
    }

    /// Switching the policy back to the default restarts the VM for what waited.
    @Test func switchingThePolicyBackRestartsTheVM() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        try await leavePendingCores(pve)
        let restart: Plan = try await pve.plan(lab(pve, cores: 4))
        #expect(restart.actionLines == ["~ vm.web"])
        #expect(Self.diffPaths(restart, "vm.web") == ["awaitingRestart", "restart"])
        pve.simulator.resetRequestLog()
        let result: ApplyResult = try await pve.apply(lab(pve, cores: 4))
        #expect(result.succeeded)
        #expect(powerRequests(pve) == ["shutdown", "start"])
        let cores: String? = await pve.simulator.vmConfig(200)?["cores"]
        #expect(cores == "4")
        let after: Plan = try await pve.plan(lab(pve, cores: 4))
        #expect(after.actionLines == [])
    }

    /// Cores changed from 2 to 4 on a running VM whose policy leaves changes pending.
    private func leavePendingCores(_ pve: PVEHarness) async throws {
        let first: ApplyResult = try await pve.apply(lab(pve, cores: 2, restart: .leavePending))
        #expect(first.succeeded)
        let plan: Plan = try await pve.plan(lab(pve, cores: 4, restart: .leavePending))
        let reason: String? = plan.changes.first { $0.address == "vm.web" }?.reasons.first
        #expect(reason?.contains("left pending on Proxmox") == true)
        let second: ApplyResult = try await pve.apply(lab(pve, cores: 4, restart: .leavePending))
        #expect(second.succeeded)
    }

    static func diffPaths(_ plan: Plan, _ address: ResourceAddress) -> [String] {
        let change: ResourceChange? = plan.changes.first { $0.address == address }
        return change?.diffs.map { $0.path.description } ?? []
    }

    /// A change made by hand that PVE holds pending is drift the plan shows, not a clean plan.
    @Test func aPendingChangeMadeByHandShowsInThePlan() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        #expect(try await pve.apply(lab(pve, cores: 2)).succeeded)
        await pve.simulator.setPendingVMConfig(200, "memory", "4096")
        let plan = try await pve.plan(lab(pve, cores: 2))
        let change = try #require(plan.changes.first { $0.address == "vm.web" })
        #expect(change.action == .update)
        let changed: [String] = change.diffs.map { (diff: AttributeDiff) -> String in String(diff.path.description.prefix { $0 != "[" }) }
        #expect(Set(changed) == ["memory", "awaitingRestart"])
        #expect(try await pve.apply(lab(pve, cores: 2)).succeeded)
        #expect(await pve.simulator.vmConfig(200)?["memory"] == "2048")
        #expect(await pve.simulator.pendingConfig(200).isEmpty)
        #expect(pve.simulator.schemaViolations.isEmpty)
    }
}
