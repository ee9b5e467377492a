/// Turns a validated graph and a state into a ``Plan``.
///
/// For each resource in scope: not in state → create; in state → read the real object (refresh),
/// diff desired against real, then update in place, replace or do nothing; in state but not
/// declared → delete.
public struct Planner: Sendable {
    public var providers: ProviderRegistry

    public init(providers: ProviderRegistry) { self.providers = providers }

    public func plan(graph: ResourceGraph, state: State, options: PlanOptions) async throws -> Plan {
        let scope = try Scope(graph: graph, state: state, options: options)
        var warnings: [String] = graph.warnings.map(\.description)

        // Objects as they really are: refreshed, or as state last knew them.
        var priors: [ResourceAddress: Value] = [:]
        for address in scope.stateAddresses {
            if let resource = state[address] { priors[address] = resource.markedAttributes }
        }
        var drift: [ResourceDrift] = []
        // Objects an interrupted run may have made (a pending create, not in state), as found.
        var interrupted: [ResourceAddress: Value?] = [:]
        var refreshedGone = Set<ResourceAddress>()
        if options.refresh {
            let refreshed = try await refresh(graph: graph, state: state, scope: scope, parallelism: options.parallelism)
            for (address, real) in refreshed.sorted(by: { $0.key < $1.key }) {
                if let recorded = state[address]?.markedAttributes {
                    if let real {
                        let diffs = AttributeDiffer.diff(desired: real, prior: recorded, replaceOnChange: [])
                        if !diffs.isEmpty { drift.append(ResourceDrift(address: address, deleted: false, diffs: diffs)) }
                    } else {
                        drift.append(ResourceDrift(address: address, deleted: true, diffs: []))
                        refreshedGone.insert(address)
                    }
                } else {
                    interrupted[address] = .some(real)
                }
                priors[address] = real
            }
        } else if !state.pendingOperations.isEmpty {
            warnings.append(
                "an earlier run was interrupted during: "
                    + state.pendingOperations.map { "\($0.action) \($0.address)" }.joined(separator: ", ")
                    + "; plan with refresh to adopt what it left behind"
            )
        }

        var changes: [ResourceChange] = []
        changes.reserveCapacity(graph.resources.count)
        var actions: [ResourceAddress: Action] = [:]
        let requestedReplacements = Set(options.replace)

        for resource in graph.resources where scope.contains(resource.address) {
            let address = resource.address
            var change: ResourceChange
            if options.destroy {
                if let prior = priors[address] {
                    change = deletion(of: address, type: resource.type, prior: prior, state: state, location: resource.location)
                } else if state[address] != nil || interrupted[address] != nil {
                    change = forgetting(address, type: resource.type, state: state, location: resource.location)
                } else {
                    continue
                }
            } else {
                change = planChange(
                    for: resource,
                    prior: priors[address],
                    recorded: state[address],
                    replaceRequested: requestedReplacements.contains(address),
                    actions: actions
                )
                if let found = interrupted[address], found != nil {
                    if change.action == .noOp { change.action = .adopt }
                    change.reasons.insert("an interrupted run created it; it is adopted", at: 0)
                } else if refreshedGone.contains(address) {
                    change.reasons.insert("it no longer exists", at: 0)
                }
            }
            actions[address] = change.action
            changes.append(change)
        }
        try checkUpdates(changes, graph: graph)
        for index in changes.indices {
            let remarks = self.remarks(on: changes[index], graph: graph)
            if changes[index].action == .update {
                changes[index].reasons += remarks
            } else {
                warnings += remarks.map { "\(changes[index].address): \($0)" }
            }
        }

        // Orphans: in state, no longer declared (or everything, when destroying); and objects of
        // interrupted creates that are no longer declared.
        let orphanPending = state.pendingOperations.filter { state[$0.address] == nil && $0.intended != nil }.map(\.address)
        for address in Set(scope.stateAddresses + orphanPending).sorted() where !graph.contains(address) || options.destroy {
            guard !graph.contains(address) || actions[address] == nil, scope.contains(address) else { continue }
            let type = state[address]?.resourceType ?? intendedType(of: address, in: state)
            let change: ResourceChange
            if let prior = priors[address] {
                change = deletion(of: address, type: type, prior: prior, state: state, location: graph[address]?.location)
            } else if options.refresh {
                change = forgetting(address, type: type, state: state, location: graph[address]?.location)
            } else {
                guard let recorded = state[address] else { continue }
                change = deletion(of: address, type: type, prior: recorded.markedAttributes, state: state, location: nil)
            }
            actions[address] = change.action
            changes.append(change)
        }

        return Plan(
            lineage: state.lineage,
            serial: state.serial,
            options: options,
            changes: changes,
            drift: drift,
            outputs: plannedOutputs(graph: graph, state: state, actions: actions, destroy: options.destroy),
            warnings: warnings
        )
    }

    /// Asks each provider whether it can make the planned in-place updates (a disk cannot
    /// shrink): a refusal fails the plan at the declaration's line, before anything changes.
    private func checkUpdates(_ changes: [ResourceChange], graph: ResourceGraph) throws {
        var refusals: [(address: ResourceAddress, location: SourceLocation, reason: String)] = []
        for change in changes where change.action == .update {
            guard let resource = graph[change.address], let prior = change.before,
                let provider = try? providers.provider(named: resource.spec.type.provider)
            else { continue }
            let context = graph.context(change.address, type: resource.spec.type, configurationKey: resource.spec.providerConfiguration)
            if let reason = provider.refusal(of: PlannedUpdate(resource: context, prior: prior, desired: resource.spec.attributes)) {
                refusals.append((change.address, resource.spec.location, reason))
            }
        }
        if !refusals.isEmpty { throw PlanError.refused(refusals) }
    }

    /// What the provider says about an update or an unchanged object ("restart required").
    private func remarks(on change: ResourceChange, graph: ResourceGraph) -> [String] {
        guard change.action == .update || change.action == .noOp, let prior = change.before, let resource = graph[change.address],
            let provider = try? providers.provider(named: resource.spec.type.provider)
        else { return [] }
        let context = graph.context(change.address, type: resource.spec.type, configurationKey: resource.spec.providerConfiguration)
        return provider.remarks(on: PlannedUpdate(resource: context, prior: prior, desired: resource.spec.attributes))
    }

    private func planChange(
        for resource: Resource,
        prior: Value?,
        recorded: ResourceState?,
        replaceRequested: Bool,
        actions: [ResourceAddress: Action]
    ) -> ResourceChange {
        let spec = resource.spec
        var change = ResourceChange(
            address: resource.address,
            type: spec.type.name,
            provider: spec.type.provider,
            action: .create,
            before: prior,
            after: spec.attributes,
            dependencies: resource.dependencies,
            location: spec.location
        )
        guard let prior else {
            change.diffs = AttributeDiffer.all(of: spec.attributes, before: false)
            return change
        }
        change.diffs = AttributeDiffer.diff(desired: spec.attributes, prior: prior, replaceOnChange: spec.type.replaceOnChange)
        var reasons: [String] = []
        if let recordedType = recorded?.type, recordedType != spec.type.name {
            reasons.append("its type changed from \(recordedType) to \(spec.type.name)")
        }
        let tainted = recorded?.isTainted == true
        if tainted && spec.type.taintedRecovery == .replace {
            reasons.append("it is tainted: its create failed after the object existed")
        }
        if replaceRequested { reasons.append("replacement was requested") }
        for trigger in spec.replaceTriggeredBy {
            if let action = actions[trigger.address], action == .create || action == .replace || action == .update {
                reasons.append("\(trigger.address) is planned to \(action.rawValue)")
            }
        }
        let forced = change.diffs.filter(\.forcesReplacement).map(\.path.description)
        if !forced.isEmpty { reasons.append("\(forced.joined(separator: ", ")) cannot change in place") }
        if !reasons.isEmpty {
            change.action = .replace
        } else if tainted {
            change.action = .update
            reasons.append("it is tainted: its create is finished in place")
        } else {
            change.action = change.diffs.isEmpty ? .noOp : .update
        }
        change.reasons = reasons
        return change
    }

    private func deletion(of address: ResourceAddress, type: ResourceType, prior: Value, state: State, location: SourceLocation?)
        -> ResourceChange
    {
        ResourceChange(
            address: address,
            type: type.name,
            provider: type.provider,
            action: .delete,
            before: prior,
            after: nil,
            diffs: AttributeDiffer.all(of: prior, before: true),
            dependencies: state[address]?.dependencies ?? [],
            location: location
        )
    }

    /// An object that no longer exists: only its record goes.
    private func forgetting(_ address: ResourceAddress, type: ResourceType, state: State, location: SourceLocation?) -> ResourceChange {
        ResourceChange(
            address: address,
            type: type.name,
            provider: type.provider,
            action: .forget,
            before: nil,
            after: nil,
            reasons: [state[address] == nil ? "an interrupted run did not create it" : "it no longer exists"],
            dependencies: state[address]?.dependencies ?? [],
            location: location
        )
    }

    private func intendedType(of address: ResourceAddress, in state: State) -> ResourceType {
        let pending = state.pendingOperations.first { $0.address == address }
        return ResourceType(name: pending?.type ?? "", provider: pending?.provider ?? "")
    }

    /// Reads every managed object in scope (and objects of interrupted creates) in parallel.
    private func refresh(graph: ResourceGraph, state: State, scope: Scope, parallelism: Int) async throws
        -> [ResourceAddress: Value?]
    {
        struct Job: Sendable {
            var address: ResourceAddress
            var provider: any Provider
            var request: ReadRequest
        }
        var jobs: [Job] = []
        for address in scope.stateAddresses {
            guard let recorded = state[address] else { continue }
            let type = graph[address]?.type ?? recorded.resourceType
            // A declared resource is read through the configuration the description gives it now.
            let configurationKey = graph[address]?.spec.providerConfiguration ?? recorded.providerConfiguration
            let context = graph.context(address, type: type, configurationKey: configurationKey).resolved(in: state)
            jobs.append(
                Job(
                    address: address,
                    provider: try providers.provider(named: type.provider),
                    request: ReadRequest(resource: context, attributes: recorded.markedAttributes)
                )
            )
        }
        // A create that began but never ended may have made the object: read it by its description
        // (or, once no longer declared, by what was asked of it then).
        for pending in state.pendingOperations where state[pending.address] == nil && pending.action != "delete" {
            guard scope.contains(pending.address) else { continue }
            let type: ResourceType
            let attributes: Value
            let configurationKey: String?
            if let resource = graph[pending.address] {
                (type, attributes, configurationKey) = (resource.type, resource.attributes, resource.spec.providerConfiguration)
            } else if let intended = pending.intended {
                (type, attributes, configurationKey) = (intended.resourceType, intended.markedAttributes, intended.providerConfiguration)
            } else {
                continue
            }
            let context = graph.context(pending.address, type: type, configurationKey: configurationKey).resolved(in: state)
            jobs.append(
                Job(
                    address: pending.address,
                    provider: try providers.provider(named: type.provider),
                    request: ReadRequest(resource: context, attributes: attributes)
                )
            )
        }

        var results: [ResourceAddress: Value?] = [:]
        var failures: [(ResourceAddress, String)] = []
        // A plain Sendable struct as the child result, and no nested function capturing the group:
        // a tuple holding `Result<_, any Error>` here crashed in optimized builds (Swift 6.3.1).
        struct Outcome: Sendable {
            var address: ResourceAddress
            var attributes: Value?
            var failure: String?
        }
        @Sendable func read(_ job: Job) async -> Outcome {
            do {
                return Outcome(address: job.address, attributes: try await job.provider.read(job.request).attributes)
            } catch {
                return Outcome(address: job.address, failure: "\(error)")
            }
        }
        await withTaskGroup(of: Outcome.self) { group in
            var pending = jobs.makeIterator()
            for _ in 0..<max(1, parallelism) {
                guard let job = pending.next() else { break }
                group.addTask { await read(job) }
            }
            while let outcome = await group.next() {
                if let failure = outcome.failure {
                    failures.append((outcome.address, failure))
                } else {
                    results[outcome.address] = .some(outcome.attributes)
                }
                if let job = pending.next() { group.addTask { await read(job) } }
            }
        }
        if !failures.isEmpty { throw PlanError.refreshFailed(failures.sorted { $0.0 < $1.0 }) }
        return results
    }

    private func plannedOutputs(graph: ResourceGraph, state: State, actions: [ResourceAddress: Action], destroy: Bool)
        -> [OutputChange]
    {
        var outputs: [OutputChange] = []
        var declared = Set<String>()
        for output in graph.outputs {
            declared.insert(output.name)
            let before = state.outputs[output.name]?.value
            var after: Value?
            if !destroy {
                switch output.source {
                case .value(let value):
                    after = value
                case .attribute(let address, let path):
                    let action = actions[address] ?? .noOp
                    let known = action == .noOp ? state[address]?.markedAttributes.value(at: path) : nil
                    after =
                        known ?? graph[address]?.attributes.value(at: path).flatMap { $0.containsUnknown ? nil : $0 }
                        ?? .unknown
                }
            }
            let sensitive = output.sensitive || (after?.containsSensitive ?? false)
            if sensitive, let value = after, !value.isSensitive { after = .sensitive(value) }
            let action: Action =
                before == nil
                ? (after == nil ? .noOp : .create)
                : after == nil ? .delete : (before?.plain == after?.plain ? .noOp : .update)
            outputs.append(OutputChange(name: output.name, action: action, before: before, after: after, sensitive: sensitive))
        }
        for (name, output) in state.outputs.sorted(by: { $0.key < $1.key }) where !declared.contains(name) {
            outputs.append(OutputChange(name: name, action: .delete, before: output.value, after: nil, sensitive: output.sensitive))
        }
        return outputs
    }
}

/// Which resources a plan covers, from `--target` and `--exclude`.
struct Scope {
    private var included: Set<ResourceAddress>?
    private var excluded: Set<ResourceAddress>
    /// Addresses in state that are in scope.
    let stateAddresses: [ResourceAddress]

    init(graph: ResourceGraph, state: State, options: PlanOptions) throws {
        for address in options.targets + options.excludes + options.replace
        where !graph.contains(address) && state[address] == nil {
            let option =
                options.targets.contains(address) ? "--target" : options.excludes.contains(address) ? "--exclude" : "--replace"
            throw PlanError.unknownAddress(address, option: option)
        }
        if options.targets.isEmpty {
            included = nil
        } else if options.destroy {
            // Destroying a target destroys what depends on it first.
            included = graph.withDependents(Set(options.targets)).union(Self.stateDependents(of: options.targets, in: state))
        } else {
            included = graph.withDependencies(Set(options.targets)).union(options.targets)
        }
        excluded =
            options.excludes.isEmpty
            ? [] : graph.withDependents(Set(options.excludes)).union(Self.stateDependents(of: options.excludes, in: state))
        let included = self.included
        let excluded = self.excluded
        stateAddresses = state.resources.keys.filter { address in
            (included?.contains(address) ?? true) && !excluded.contains(address)
        }
    }

    func contains(_ address: ResourceAddress) -> Bool {
        (included?.contains(address) ?? true) && !excluded.contains(address)
    }

    /// `addresses` and what depends on them according to state (for resources no longer declared).
    private static func stateDependents(of addresses: [ResourceAddress], in state: State) -> Set<ResourceAddress> {
        var result = Set(addresses)
        var changed = true
        while changed {
            changed = false
            for resource in state.resources.values where !result.contains(resource.address) {
                if resource.dependencies.contains(where: result.contains) {
                    result.insert(resource.address)
                    changed = true
                }
            }
        }
        return result
    }
}
