import Synchronization

/// Applies a plan: walks its changes in dependency order with bounded parallelism.
///
/// A failure stops only what depends on the failed resource. Every operation is journaled before
/// and after its provider call through the ``StateStore``.
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

        // Unchanged resources whose recorded dependencies moved are updated without a provider call.
        for change in plan.changes where change.action == .noOp {
            guard let recorded = state[change.address], let resource = graph[change.address],
                recorded.dependencies != resource.dependencies || recorded.type != resource.type.name
            else { continue }
            var updated = recorded
            updated.dependencies = resource.dependencies
            updated.type = resource.type.name
            try store.put(updated)
        }

        var remaining = operations.map(\.waitsFor.count)
        var dependents: [[Int]] = Array(repeating: [], count: operations.count)
        for (index, operation) in operations.enumerated() {
            for dependency in operation.waitsFor { dependents[dependency].append(index) }
        }
        var ready = (0..<operations.count).filter { remaining[$0] == 0 }.reversed() as [Int]
        var blocked = Set<Int>()
        var finished = 0
        var inFlight = 0
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

        await withTaskGroup(of: (Int, Result<Void, any Error>).self) { group in
            while finished < operations.count {
                while inFlight < parallelism, !stopSignal.isStopped, let next = ready.popLast() {
                    let operation = operations[next]
                    group.addTask {
                        do {
                            try await self.run(operation, store: store, running: running, events: events)
                            return (next, .success(()))
                        } catch {
                            return (next, .failure(error))
                        }
                    }
                    inFlight += 1
                }
                if stopSignal.isStopped, !announcedStop {
                    announcedStop = true
                    events(.stopping)
                }
                guard let (index, outcome) = await group.next() else { break }
                inFlight -= 1
                finished += 1
                let change = operations[index].change
                switch outcome {
                case .success:
                    switch change.action {
                    case .create: result.added += 1
                    case .update: result.changed += 1
                    case .replace:
                        result.added += 1
                        result.destroyed += 1
                    case .delete: result.destroyed += 1
                    case .noOp: break
                    }
                    for dependent in dependents[index] {
                        remaining[dependent] -= 1
                        if remaining[dependent] == 0, !blocked.contains(dependent) { ready.append(dependent) }
                    }
                case .failure(let error):
                    let message = "\(error)"
                    result.failures.append((change.address, message))
                    events(.failed(change.address, change.action, message: message))
                    // Everything downstream is skipped, and counted as finished.
                    var stack = dependents[index]
                    while let dependent = stack.popLast() {
                        guard blocked.insert(dependent).inserted else { continue }
                        result.skipped.append(operations[dependent].change.address)
                        events(.skipped(operations[dependent].change.address, because: change.address))
                        finished += 1
                        stack.append(contentsOf: dependents[dependent])
                    }
                }
            }
        }
        if stopSignal.isStopped {
            result.interrupted = true
            let started = Set(result.failures.map(\.address)).union(result.skipped)
            result.notStarted = ready.map { operations[$0].change.address }.filter { !started.contains($0) }
            // Waiting operations never became ready: count them too.
            let readySet = Set(ready)
            for (index, count) in remaining.enumerated() where count > 0 && !blocked.contains(index) && !readySet.contains(index) {
                result.notStarted.append(operations[index].change.address)
            }
        }

        if !result.interrupted || result.failures.isEmpty {
            try store.setOutputs(outputs(graph: graph, state: store.state, destroy: plan.options.destroy))
        }
        result.state = try store.commit()
        return result
    }

    /// Builds the operation DAG: changes wait for their dependencies' changes; deletes wait for
    /// the deletes of what depended on them (reverse order).
    func makeOperations(_ plan: Plan, graph: ResourceGraph, state: State) throws -> [Operation] {
        let active = plan.changes.filter { $0.action != .noOp }
        var indexByAddress: [ResourceAddress: Int] = [:]
        for (index, change) in active.enumerated() { indexByAddress[change.address] = index }

        var operations: [Operation] = []
        operations.reserveCapacity(active.count)
        for change in active {
            let resource = graph[change.address]
            let type = resource?.type ?? ResourceType(name: change.type, provider: change.provider)
            let configurationKey = resource?.spec.providerConfiguration ?? state[change.address]?.providerConfiguration
            var operation = Operation(
                change: change,
                type: type,
                context: ResourceContext(
                    address: change.address,
                    type: type,
                    configuration: configurationKey.flatMap { graph.providerConfigurations[$0] }
                ),
                provider: try providers.provider(named: type.provider),
                configurationKey: configurationKey,
                waitsFor: [],
                dependencies: resource?.dependencies ?? []
            )
            if change.action != .delete {
                operation.waitsFor = (resource?.dependencies ?? []).compactMap { dependency in
                    guard let index = indexByAddress[dependency], active[index].action != .delete else { return nil }
                    return index
                }
            }
            operations.append(operation)
        }
        // A delete of X waits for the deletes (and replacements) of everything that depended on X.
        for (index, change) in active.enumerated() where change.action == .delete || change.action == .replace {
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
        let progress: @Sendable (String) -> Void = { events(.message(address, $0)) }
        let pending = PendingOperation(
            address: address,
            action: change.action.rawValue,
            type: operation.type.name,
            provider: operation.type.provider
        )

        try store.begin(pending)
        do {
            switch change.action {
            case .create:
                let response = try await operation.provider.create(
                    CreateRequest(resource: operation.context, attributes: change.after ?? .object([:]), progress: progress)
                )
                try store.put(record(operation, response.attributes))
            case .update:
                let response = try await operation.provider.update(
                    UpdateRequest(
                        resource: operation.context,
                        prior: change.before ?? .object([:]),
                        attributes: change.after ?? .object([:]),
                        changedAttributes: change.diffs.map(\.path.description),
                        progress: progress
                    )
                )
                try store.put(record(operation, response.attributes))
            case .replace:
                _ = try await operation.provider.delete(
                    DeleteRequest(resource: operation.context, prior: change.before ?? .object([:]), progress: progress)
                )
                try store.remove(address)
                try store.begin(PendingOperation(address: address, action: "create", type: pending.type, provider: pending.provider))
                let response = try await operation.provider.create(
                    CreateRequest(resource: operation.context, attributes: change.after ?? .object([:]), progress: progress)
                )
                try store.put(record(operation, response.attributes))
            case .delete:
                _ = try await operation.provider.delete(
                    DeleteRequest(resource: operation.context, prior: change.before ?? .object([:]), progress: progress)
                )
                try store.remove(address)
            case .noOp:
                break
            }
        } catch {
            try store.end(address)
            throw error
        }
        events(.finished(address, change.action, elapsed: clock.now - start))
    }

    private func record(_ operation: Operation, _ attributes: Value) -> ResourceState {
        ResourceState(
            address: operation.change.address,
            type: operation.type,
            attributes: attributes,
            dependencies: operation.dependencies,
            providerConfiguration: operation.configurationKey
        )
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
