import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import Testing

/// Issue #13 point 1: the sandbox keeps its simulated Proxmox between runs. A simulator restored
/// from what another saved holds the same VMs: a plan against it finds nothing to change.
@Suite struct SimulatorStateTests {
    @Test func aRestoredSimulatorHoldsWhatTheSavedOneHeld() async throws {
        let first = try await PVEHarness.start()
        defer { Task { await first.shutdown() } }
        let lab = { (harness: PVEHarness) in
            harness.lab {
                PVEHarness.seedBridge
                Template("tpl", vmid: 9000, source: .cloudImage(url: PVEHarness.imageURL, checksum: "sha256:\(PVEHarness.imageSHA256)"))
                VM("web", vmid: 200, from: "tpl", cores: 2, ip: "192.168.10.60/24", gateway: "192.168.10.1")
            }
        }
        #expect(try await first.apply(lab(first)).succeeded)
        let saved = try await first.simulator.savedState()

        let second = try await PVEHarness.start()
        defer { Task { await second.shutdown() } }
        try await second.simulator.restore(saved)
        #expect(await second.simulator.vmIDs() == [200, 9000])
        #expect(await second.simulator.vmConfig(200)?["cores"] == "2")
        #expect(await second.simulator.isRunning(200) == true)
        // The first run's state, refreshed against the restored simulator: no changes.
        let workspace = Workspace(graph: try lab(second).compile(), storage: first.storage, providers: ProviderRegistry([second.provider]))
        #expect(try await workspace.plan(state: workspace.loadState()).actionLines == [])
    }
}
