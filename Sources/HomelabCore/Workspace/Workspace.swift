/// A description, its state and its providers: the engine's front door.
///
/// The CLI is a thin layer over this type, and so are users' own tools and tests.
public struct Workspace: Sendable {
    public let graph: ResourceGraph
    public let storage: any StateStorage
    public let providers: ProviderRegistry

    /// The built-in ``DataProvider`` is registered unless `providers` brings its own "homelab" provider.
    public init(graph: ResourceGraph, storage: any StateStorage, providers: ProviderRegistry) {
        var providers = providers
        if !providers.names.contains(DataProvider.providerName) { providers.register(DataProvider()) }
        self.graph = graph
        self.storage = storage
        self.providers = providers
    }

    /// The current state, or an empty one when none exists yet.
    public func loadState() throws -> State { try storage.load() ?? State.empty() }

    /// Runs `body` while holding the state lock, with the state loaded under it.
    public func withLock<T: Sendable>(
        _ operation: String,
        _ body: (State) async throws -> T
    ) async throws -> T {
        let lock = try storage.lock(operation: operation)
        defer { try? storage.unlock(lock) }
        return try await body(try loadState())
    }

    public func plan(_ options: PlanOptions = PlanOptions(), state: State) async throws -> Plan {
        try await Planner(providers: providers).plan(graph: graph, state: state, options: options)
    }

    public func apply(
        _ plan: Plan,
        state: State,
        executor: Executor? = nil,
        events: @escaping @Sendable (ExecutionEvent) -> Void = { _ in }
    ) async throws -> ApplyResult {
        // A plan made before the state existed has no lineage yet; its serial (0) still checks it.
        guard plan.lineage.isEmpty || plan.lineage == state.lineage else {
            throw StateError.lineageMismatch(plan: plan.lineage, state: state.lineage)
        }
        guard plan.serial == state.serial else {
            throw StateError.stalePlan(planSerial: plan.serial, stateSerial: state.serial)
        }
        let executor = executor ?? Executor(providers: providers)
        let store = StateStore(storage: storage, state: state)
        return try await executor.apply(plan, graph: graph, store: store, events: events)
    }

    /// Checks every provider configuration the plan's changes use, all at once, before anything
    /// changes: one clear error instead of a failure on the first resource and "skipped" for the rest.
    public func checkConfigurations(for plan: Plan, state: State) async throws {
        var checked = Set<String>()
        var problems: [String] = []
        for change in plan.changes where change.action != .noOp && change.action != .forget && change.action != .adopt {
            let key = graph[change.address]?.spec.providerConfiguration ?? state[change.address]?.providerConfiguration
            guard let key, checked.insert(key).inserted, let configuration = graph.providerConfigurations[key] else { continue }
            do {
                try await providers.provider(named: change.provider).checkConfiguration(
                    CheckConfigurationRequest(key: key, configuration: configuration))
            } catch {
                problems.append("\(key): \(error)")
            }
        }
        guard problems.isEmpty else {
            throw ProviderError.failed("the providers cannot be used as configured:\n  " + problems.joined(separator: "\n  "))
        }
    }

    /// Checks that a saved plan still describes what would happen now, by planning again with the
    /// saved options and comparing every change and its (redacted) desired values. Returns the fresh
    /// plan, which holds the secrets the saved file does not.
    public func revalidate(saved: Plan, state: State) async throws -> Plan {
        guard saved.lineage.isEmpty || saved.lineage == state.lineage else {
            throw StateError.lineageMismatch(plan: saved.lineage, state: state.lineage)
        }
        guard saved.serial == state.serial else {
            throw StateError.stalePlan(planSerial: saved.serial, stateSerial: state.serial)
        }
        let fresh = try await plan(saved.options, state: state)
        var differences: [String] = []
        let savedByAddress = Dictionary(saved.changes.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        let freshByAddress = Dictionary(fresh.changes.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        for address in Set(savedByAddress.keys).union(freshByAddress.keys).sorted() {
            let old = savedByAddress[address]
            let new = freshByAddress[address]
            if old?.action != new?.action {
                differences.append(
                    "\(address): planned \(old?.action.rawValue ?? "nothing"), now \(new?.action.rawValue ?? "nothing")"
                )
            } else if old?.after?.serialized() != new?.after?.serialized() {
                differences.append("\(address): its desired attributes changed")
            }
        }
        guard differences.isEmpty else { throw PlanError.planMismatch(differences) }
        return fresh
    }

    /// Brings an existing object under management at `address` (which must be declared).
    public func importResource(_ address: ResourceAddress, id: String, state: State) async throws -> ResourceState {
        guard let resource = graph[address] else {
            throw PlanError.unknownAddress(address, option: "import")
        }
        guard state[address] == nil else {
            throw ProviderError.failed("\(address) is already managed; remove it from state first to import it again")
        }
        let context = graph.context(address, type: resource.type, configurationKey: resource.spec.providerConfiguration)
            .resolved(in: state)
        let provider = try providers.provider(named: resource.type.provider)
        let response = try await provider.importResource(ImportRequest(resource: context, id: id, desired: resource.spec.attributes))
        let imported = ResourceState(
            address: address,
            type: resource.type,
            attributes: response.attributes,
            dependencies: resource.dependencies,
            providerConfiguration: resource.spec.providerConfiguration
        )
        let store = StateStore(storage: storage, state: state)
        try store.put(imported)
        try store.commit()
        return imported
    }

    /// Forgets resources without touching the real objects (`state rm`).
    public func removeFromState(_ addresses: [ResourceAddress], state: State) async throws -> State {
        let store = StateStore(storage: storage, state: state)
        for address in addresses {
            guard state[address] != nil else { throw PlanError.unknownAddress(address, option: "state rm") }
            try store.remove(address)
        }
        return try store.commit()
    }

    /// Renames a resource in state (`state mv`), for example after renaming its declaration.
    public func moveInState(from source: ResourceAddress, to destination: ResourceAddress, state: State) async throws
        -> State
    {
        guard var resource = state[source] else { throw PlanError.unknownAddress(source, option: "state mv") }
        guard state[destination] == nil else {
            throw ProviderError.failed("\(destination) already exists in state")
        }
        let store = StateStore(storage: storage, state: state)
        try store.remove(source)
        resource.address = destination
        try store.put(resource)
        return try store.commit()
    }
}
