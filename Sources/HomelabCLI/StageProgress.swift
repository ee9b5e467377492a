import HomelabKit
import Synchronization

/// Progress per stage while an apply runs. A stage is one provider's operations (the host over
/// SSH, Proxmox, kubeadm, Kubernetes), the same grouping as `graph --format mermaid`: the apply
/// first says how many operations each stage has, then a line each time a stage has none left.
final class StageProgress: Sendable {
    private struct Stage {
        var name: String
        var remaining: Int
        var total: Int
        var failed = 0
        var firstStart: ContinuousClock.Instant?
    }

    private let stages: Mutex<[String: Stage]>
    private let stageOf: [ResourceAddress: String]
    /// Stages in the order their first operation comes in the plan.
    private let order: [String]

    init(_ plan: Plan) {
        var stages: [String: Stage] = [:]
        var stageOf: [ResourceAddress: String] = [:]
        var order: [String] = []
        for change in plan.changes where change.action != .noOp {
            stageOf[change.address] = change.provider
            if stages[change.provider] == nil { order.append(change.provider) }
            stages[change.provider, default: Stage(name: change.provider, remaining: 0, total: 0)].remaining += 1
            stages[change.provider]?.total += 1
        }
        self.stages = Mutex(stages)
        self.stageOf = stageOf
        self.order = order
    }

    /// "Stages: host 31, proxmox 7, …", or `nil` with fewer than two stages.
    var overview: String? {
        guard order.count > 1 else { return nil }
        let counts = stages.withLock { stages in order.map { "\($0) \(stages[$0]?.total ?? 0)" } }
        return "Stages (operations each): " + counts.joined(separator: ", ")
    }

    /// The line to print when `event` ends the last operation of its stage.
    func record(_ event: ExecutionEvent) -> String? {
        let (address, failed): (ResourceAddress, Bool)
        switch event {
        case .started(let started, _):
            guard let name = stageOf[started] else { return nil }
            stages.withLock { stages in
                if stages[name]?.firstStart == nil { stages[name]?.firstStart = .now }
            }
            return nil
        case .finished(let finished, _, _): (address, failed) = (finished, false)
        case .failed(let failure, _, _): (address, failed) = (failure, true)
        case .skipped(let skipped, _): (address, failed) = (skipped, true)
        default: return nil
        }
        guard let name = stageOf[address] else { return nil }
        return stages.withLock { stages -> String? in
            guard var stage = stages[name], stage.remaining > 0 else { return nil }
            stage.remaining -= 1
            if failed { stage.failed += 1 }
            stages[name] = stage
            guard stage.remaining == 0, order.count > 1 else { return nil }
            let elapsed = stage.firstStart.map { " in " + ProgressFormatter.seconds(.now - $0) } ?? ""
            let outcome = stage.failed == 0 ? "all \(stage.total) done" : "\(stage.total - stage.failed) of \(stage.total) done"
            return "── Stage \(stage.name): \(outcome)\(elapsed)"
        }
    }
}
