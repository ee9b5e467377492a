import Foundation
import HomelabSandbox
import Testing

/// The short crash campaign CI runs (issue #10): real `apply` and `destroy` processes against the
/// Proxmox simulator, killed with SIGKILL at journal boundaries (several times in a row) and at
/// random moments, each series rerun without flags and checked against the simulator. The full
/// campaign is `swift run -c release CrashCampaign --kills 200` (figures in the README).
@Suite struct CrashCampaignTests {
    @Test func killedAppliesAndDestroysConvergeWithNothingOutsideState() async throws {
        let harness = InterruptTests.fixture.deletingLastPathComponent().appendingPathComponent("CrashCampaign").path
        let (status, output) = try await offCooperativePoolRun(harness, ["--kills", "24", "--stride", "4", "--seed", "7"])
        #expect(status == 0, "\(output)")
        // The figures line: kills, converged series, then zeros for every kind of loss.
        let figures = output.split(separator: "\n").first { $0.hasPrefix("| 24 ") }
        #expect(figures?.hasSuffix("| 0 | 0 | 0 | 0 | 0 |") == true, "\(output)")
    }

    private func offCooperativePoolRun(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    let result = try Spawn.run(executable, arguments)
                    continuation.resume(returning: (result.status, result.output))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
