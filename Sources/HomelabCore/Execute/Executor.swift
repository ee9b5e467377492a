import Synchronization

/// Applies a plan: walks its changes in dependency order with bounded parallelism.
///
/// A failure stops only what depends on the failed resource. Every operation is journaled before
/// and after its provider call through the ``StateStore``; every create and update is read back
/// and compared with what was asked (``ApplyVerification``) before it counts as done.
public struct Executor: Sendable {
    public var providers: ProviderRegistry
    public var parallelism: Int
    public var progressInterval: Duration
    public var stopSignal: StopSignal

    public init(
        providers: ProviderRegistry,
        parallelism: Int = 10,
        progressInterval: Duration = .seconds(10),
        stopSignal: StopSignal = StopSignal()
    ) {
        self.providers = providers
        self.parallelism = max(1, parallelism)
        self.progressInterval = progressInterval
        self.stopSignal = stopSignal
    }

    /// One provider operation, with the operations it must wait for.
    struct Operation: Sendable {
        var change: ResourceChange
        var type: ResourceType
        var context: ResourceContext
        var provider: any Provider
        var configurationKey: String?
        var waitsFor: [Int]
        var dependencies: [ResourceAddress]
        /// The object is not in state (a create, or an object an interrupted run made).
        var untracked: Bool
    }

    /// What wakes the walk: an operation finished, or a stop was asked for.
    private enum Wake: Sendable {
        case finished(Int, failure: String?)
        case signal(StopSignal.Level)
    }

    public func apply(
        _ plan: Plan,
        graph: ResourceGraph,
        store: StateStore,
        events: @escaping @Sendable (ExecutionEvent) -> Void = { _ in }
    ) async throws -> ApplyResult {
        let state = store.state
        let operations = try makeOperations(plan, graph: graph, state: state)
        var result = ApplyResult(state: state)
        let tally = Tally()

        // Unchanged resources whose recorded dependencies moved are updated without a provider
        // call; an unchanged resource's leftover intent (a run died during its update) ends.
        let pending = Set(state.pendingOperations.map(\.address))
        for change in plan.changes where change.action == .noOp {
            guard let recorded = state[change.address] else { continue }
            if let resource = graph[change.address], recorded.dependencies != resource.dependencies || recorded.type != resource.type.name {
                var updated = recorded
                updated.dependencies = resource.dependencies
                updated.type = resource.type.name
                try store.put(updated)
            } else if pending.contains(change.address) {
                try store.end(change.address)
            }
        }

        var remaining = operations.map(\.waitsFor.count)
        var dependents: [[Int]] = Array(repeating: [], count: operations.count)
        for (index, operation) in operations.enumerated() {
            for dependency in operation.waitsFor { dependents[dependency].append(index) }
        }
        var ready = (0..<operations.count).filter { remaining[$0] == 0 }.reversed() as [Int]
        var blocked = Set<Int>()
        var finished = 0
        var inFlight = Set<Int>()
        var announcedStop = false
        // One ticker for the whole walk reports long operations; a task per operation would not scale.
        let running = RunningOperations()
        let interval = progressInterval
        let ticker = Task {
            let tick = min(interval, .seconds(1))
            while !Task.isCancelled {
                try await Task.sleep(for: tick)
                for (address, action, elapsed) in running.due(now: ContinuousClock.now, interval: interval) {
                    events(.stillRunning(address, action, elapsed: elapsed))
                }
            }
        }
        defer { ticker.cancel() }

        // Operations run as unstructured tasks reporting into one stream, so that a second stop
        // can stop waiting for them (a task group would wait for every child before returning).
        let (wakes, wake) = AsyncStream.makeStream(of: Wake.self)
        let signal = stopSignal
        let watcher = Task {
            for await level in signal.levels() { wake.yield(.signal(level)) }
        }
        defer { watcher.cancel() }
        var iterator = wakes.makeAsyncIterator()

        walk: while finished < operations.count {
            while inFlight.count < parallelism, !stopSignal.isStopped, let next = ready.popLast() {
                let operation = operations[next]
                inFlight.insert(next)
                Task {
                    do {
                        try await self.run(operation, store: store, tally: tally, running: running, events: events)
                        wake.yield(.finished(next, failure: nil))
                    } catch {
                        wake.yield(.finished(next, failure: "\(error)"))
                    }
                }
            }
            if stopSignal.isAbandoned {
                result.abandoned = inFlight.map { operations[$0].change.address }.sorted()
                if !result.abandoned.isEmpty { events(.abandoning(running: result.abandoned)) }
                break walk
            }
            if stopSignal.isStopped, !announcedStop {
                announcedStop = true
                events(.stopping(running: inFlight.map { operations[$0].change.address }.sorted()))
            }
            if inFlight.isEmpty && (stopSignal.isStopped || ready.isEmpty) { break walk }
            guard let next = await iterator.next() else { break walk }
            guard case .finished(let index, let failure) = next else { continue }
            inFlight.remove(index)
            finished += 1
            let change = operations[index].change
            if let failure {
                result.failures.append((change.address, failure))
                events(.failed(change.address, change.action, message: failure))
                // Everything downstream is skipped, and counted as finished.
                var stack = dependents[index]
                while let dependent = stack.popLast() {
                    guard blocked.insert(dependent).inserted else { continue }
                    result.skipped.append(operations[dependent].change.address)
                    events(.skipped(operations[dependent].change.address, because: change.address))
                    finished += 1
                    stack.append(contentsOf: dependents[dependent])
                }
            } else {
                for dependent in dependents[index] {
                    remaining[dependent] -= 1
                    if remaining[dependent] == 0, !blocked.contains(dependent) { ready.append(dependent) }
                }
            }
        }
        if stopSignal.isStopped {
            result.interrupted = true
            let accounted = Set(result.failures.map(\.address)).union(result.skipped).union(result.abandoned)
            result.notStarted = ready.map { operations[$0].change.address }.filter { !accounted.contains($0) }
            // Waiting operations never became ready: count them too.
            let readySet = Set(ready)
            for (index, count) in remaining.enumerated()
            where count > 0 && !blocked.contains(index) && !readySet.contains(index) && !inFlight.contains(index) {
                result.notStarted.append(operations[index].change.address)
            }
        }

        let counts = tally.counts
        result.added = counts.added
        result.changed = counts.changed
        result.destroyed = counts.destroyed
        result.adopted = counts.adopted
        result.forgotten = counts.forgotten
        result.tainted = counts.tainted.sorted()

        if !result.interrupted || result.failures.isEmpty {
            try store.setOutputs(outputs(graph: graph, state: store.state, destroy: plan.options.destroy))
        }
        // Abandoned operations may still finish in this process: nothing they record may land
        // after this save, or the state would claim what the journal never saw.
        result.state = try store.commit(sealing: !result.abandoned.isEmpty)
        return result
    }

    /// Builds the operation DAG: changes wait for their dependencies' changes; deletes wait for
    /// the deletes and updates of what depended on them (reverse order).
    func makeOperations(_ plan: Plan, graph: ResourceGraph, state: State) throws -> [Operation] {
        let active = plan.changes.filter { $0.action != .noOp }
        var indexByAddress: [ResourceAddress: Int] = [:]
        for (index, change) in active.enumerated() { indexByAddress[change.address] = index }
        let intended = Dictionary(
            state.pendingOperations.compactMap { pending in pending.intended.map { (pending.address, $0) } },
            uniquingKeysWith: { first, _ in first }
        )

        var operations: [Operation] = []
        operations.reserveCapacity(active.count)
        for change in active {
            let resource = graph[change.address]
            let type = resource?.type ?? ResourceType(name: change.type, provider: change.provider)
            let configurationKey =
                resource?.spec.providerConfiguration ?? state[change.address]?.providerConfiguration
                ?? intended[change.address]?.providerConfiguration
            var operation = Operation(
                change: change,
                type: type,
                context: graph.context(change.address, type: type, configurationKey: configurationKey),
                provider: try providers.provider(named: type.provider),
                configurationKey: configurationKey,
                waitsFor: [],
                dependencies: resource?.dependencies ?? state[change.address]?.dependencies ?? [],
                untracked: state[change.address] == nil
            )
            if change.action != .delete && change.action != .forget {
                operation.waitsFor = (resource?.dependencies ?? []).compactMap { dependency in
                    guard let index = indexByAddress[dependency], active[index].action != .delete else { return nil }
                    return index
                }
            }
            operations.append(operation)
        }
        // A delete of X waits for the deletes, replacements and updates of everything that depended
        // on X (as Terraform's destroy edges do): a cluster lets a node leave before its VM goes.
        for (index, change) in active.enumerated() where [.delete, .replace, .update].contains(change.action) {
            for dependency in state[change.address]?.dependencies ?? [] {
                guard let target = indexByAddress[dependency], active[target].action == .delete else { continue }
                operations[target].waitsFor.append(index)
            }
        }
        return operations
    }

    private func run(
        _ operation: Operation,
        store: StateStore,
        tally: Tally,
        running: RunningOperations,
        events: @escaping @Sendable (ExecutionEvent) -> Void
    ) async throws {
        let change = operation.change
        let address = change.address
        let clock = ContinuousClock()
        let start = clock.now
        events(.started(address, change.action))
        running.begin(address, change.action, at: start, nextReport: start + progressInterval)
        defer { running.end(address) }
        let step = Step(operation: operation, store: store, tally: tally, progress: { events(.message(address, $0)) })

        switch change.action {
        case .create:
            try await step.create()
        case .update:
            try await step.update()
        case .replace:
            try await step.delete()
            try await step.create()
        case .delete:
            try await step.delete()
        case .adopt:
            try store.put(step.record(change.before ?? .object([:])))
            tally.count(\.adopted)
        case .forget:
            try store.remove(address)
            tally.count(\.forgotten)
        case .noOp:
            break
        }
        events(.finished(address, change.action, elapsed: clock.now - start))
    }

    /// Output values from the state after apply.
    func outputs(graph: ResourceGraph, state: State, destroy: Bool) -> [String: OutputState] {
        guard !destroy else { return [:] }
        var outputs: [String: OutputState] = [:]
        for output in graph.outputs {
            let value: Value?
            switch output.source {
            case .value(let literal): value = literal
            case .attribute(let address, let path): value = state[address]?.markedAttributes.value(at: path)
            }
            guard let value else { continue }
            let sensitive = output.sensitive || value.containsSensitive
            outputs[output.name] = OutputState(value: sensitive && !value.isSensitive ? .sensitive(value) : value, sensitive: sensitive)
        }
        return outputs
    }
}

/// What one apply did, counted as each step finished (a replacement whose create failed still
/// destroyed one object).
final class Tally: Sendable {
    struct Counts {
        var added = 0
        var changed = 0
        var destroyed = 0
        var adopted = 0
        var forgotten = 0
        var tainted: [ResourceAddress] = []
    }
    private let guarded = Mutex(Counts())

    var counts: Counts { guarded.withLock { $0 } }
    func count(_ counter: WritableKeyPath<Counts, Int>) { guarded.withLock { $0[keyPath: counter] += 1 } }
    func taint(_ address: ResourceAddress) { guarded.withLock { $0.tainted.append(address) } }
}

/// The operations in flight, for progress lines.
final class RunningOperations: Sendable {
    private struct Entry {
        var action: Action
        var start: ContinuousClock.Instant
        var nextReport: ContinuousClock.Instant
    }
    private let entries = Mutex<[ResourceAddress: Entry]>([:])

    func begin(_ address: ResourceAddress, _ action: Action, at start: ContinuousClock.Instant, nextReport: ContinuousClock.Instant) {
        entries.withLock { $0[address] = Entry(action: action, start: start, nextReport: nextReport) }
    }

    func end(_ address: ResourceAddress) { _ = entries.withLock { $0.removeValue(forKey: address) } }

    /// Operations whose next report is due, each moved on by one interval.
    func due(now: ContinuousClock.Instant, interval: Duration) -> [(ResourceAddress, Action, Duration)] {
        entries.withLock { entries in
            var due: [(ResourceAddress, Action, Duration)] = []
            for (address, entry) in entries where entry.nextReport <= now {
                due.append((address, entry.action, now - entry.start))
                entries[address]?.nextReport = entry.nextReport + interval
            }
            return due.sorted { $0.0 < $1.0 }
        }
    }
}
