import Foundation
import HomelabKit
import HomelabSandbox
import SeedHomelab
import Synchronization

/// Issue #13 point 7: the whole seed in the sandbox (the node's roles over SSH with the IOMMU
/// reboot, the ISO template built and provisioned, three VMs, kubeadm, Cilium, ArgoCD and every
/// Application). The scenario re-executes itself inside the lab network, applies from empty, and
/// compares the apply's makespan with the critical path of its operations: the longest chain of
/// dependencies, each operation weighted by the time it took. Then two no-change reruns: a plan
/// with the sandbox still running, and one that starts the sandbox again from its saved state
/// first, as `plan --sandbox` does once inside the lab network.
enum SandboxBenchmark {

    static func scenario() async throws -> Measurement {
        let graph = try SeedHomelab.lab.compile()
        let environment = ProcessInfo.processInfo.environment
        guard let lab = try SandboxEntry.lab(environment: environment) else {
            let directory = try temporaryDirectory("sandbox") + "/sandbox"
            try SandboxEntry.enter(graph: graph, directory: directory, arguments: ["sandbox", "1"], environment: environment)
        }
        guard let directory = SandboxEntry.directory(environment: environment) else { throw SandboxError("no sandbox directory") }
        let sandbox = try await Sandbox.start(graph: graph, directory: directory, lab: lab, environment: environment)
        let workspace = Workspace(
            graph: sandbox.graph, storage: FileStateStorage(path: directory + "/state.json"), providers: Lab.defaultProviders)
        let options = PlanOptions()

        let times = Mutex<[ResourceAddress: (start: Double, end: Double)]>([:])
        let origin = ContinuousClock.now
        let start = ContinuousClock.now
        let state = try workspace.loadState()
        let plan = try await workspace.plan(options, state: state)
        let result = try await workspace.apply(plan, state: state) { event in
            switch event {
            case .started(let address, _): times.withLock { $0[address] = (seconds(since: origin), 0) }
            case .finished(let address, _, _): times.withLock { $0[address]?.end = seconds(since: origin) }
            default: break
            }
        }
        let wall = seconds(since: start)
        guard result.succeeded else { throw ProviderError.failed("the sandbox apply failed: \(result.failures.map(\.message))") }

        let rerunStart = ContinuousClock.now
        let rerun = try await workspace.plan(options, state: try workspace.loadState())
        let rerunSeconds = seconds(since: rerunStart)
        guard !rerun.hasChanges else {
            throw ProviderError.failed("the rerun plans \(rerun.changes.count) changes")
        }
        await sandbox.stop()

        let restartStart = ContinuousClock.now
        let restarted = try await Sandbox.start(graph: graph, directory: directory, lab: lab, environment: environment)
        let again = try await Workspace(
            graph: restarted.graph, storage: FileStateStorage(path: directory + "/state.json"), providers: Lab.defaultProviders
        ).plan(options, state: try workspace.loadState())
        let restartSeconds = seconds(since: restartStart)
        await restarted.stop()
        guard !again.hasChanges else { throw ProviderError.failed("the rerun after a restart plans \(again.changes.count) changes") }
        // The folder the first process made before it re-executed itself (its exit handler is gone).
        let scratch = ((directory as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        try? FileManager.default.removeItem(atPath: scratch)

        let measured = times.withLock { $0 }
        let makespan = (measured.values.map(\.end).max() ?? 0) - (measured.values.map(\.start).min() ?? 0)
        // Longest path: each operation's duration plus the longest path among what it waited for.
        var longest: [ResourceAddress: Double] = [:]
        for resource in graph.resources {
            guard let time = measured[resource.address] else { continue }
            let before = resource.dependencies.compactMap { longest[$0] }.max() ?? 0
            longest[resource.address] = before + (time.end - time.start)
        }
        let critical = longest.values.max() ?? 0
        return Measurement(
            seconds: wall, peakRSSMB: peakRSSMegabytes(), detail: "\(measured.count) operations",
            values: [
                "makespan": makespan, "critical": critical, "rerun": rerunSeconds, "restart": restartSeconds,
                "operations": Double(measured.count),
            ])
    }
}

/// `swift run -c release HomelabBenchmarks --sandbox` (as root).
func printSandboxTable() throws {
    let run = try runChild(["sandbox", "1"])
    let values = run.values ?? [:]
    let (makespan, critical) = (values["makespan"] ?? 0, values["critical"] ?? 0)
    print("| the seed in the sandbox, all five stages (\(Int(values["operations"] ?? 0)) operations) | wall time (s) |")
    print("|---|---|")
    print("| apply from empty (plan included) | \(format(run.seconds, 2)) |")
    print("| makespan of the apply's operations | \(format(makespan, 2)) |")
    print("| critical path of those operations (their own durations) | \(format(critical, 2)) |")
    print("| no-change rerun: plan with refresh, sandbox running | \(format(values["rerun"] ?? 0, 2)) |")
    print("| no-change rerun: sandbox started again from its saved state, then the plan | \(format(values["restart"] ?? 0, 2)) |")
    print("\nMakespan: \(format(makespan / max(critical, 0.001), 2))× the critical path (target ≤ 1.1×)")
}
