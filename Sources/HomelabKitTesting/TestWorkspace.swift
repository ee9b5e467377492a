import HomelabKit

/// A workspace over in-memory state and in-memory providers, for asserting planned graphs.
///
/// ```swift
/// let test = try TestWorkspace(lab: myLab)
/// let plan = try await test.plan()
/// #expect(plan.addresses(.create).contains("vm.web"))
/// ```
public struct TestWorkspace: Sendable {
    public let workspace: Workspace
    public let storage: InMemoryStateStorage
    /// One in-memory provider per provider name the description uses.
    public let providers: [String: InMemoryProvider]

    public init(lab: Lab, state: State? = nil, latency: Duration = .zero) throws {
        try self.init(graph: lab.compile(), state: state, latency: latency)
    }

    public init(graph: ResourceGraph, state: State? = nil, latency: Duration = .zero) {
        var names = Set(graph.resources.map(\.type.provider))
        for resource in state?.resources.values.map({ $0 }) ?? [] { names.insert(resource.provider) }
        names.remove("homelab")
        var providers: [String: InMemoryProvider] = [:]
        for name in names { providers[name] = InMemoryProvider(name: name, latency: latency) }
        let storage = InMemoryStateStorage(state)
        self.storage = storage
        self.providers = providers
        self.workspace = Workspace(graph: graph, storage: storage, providers: ProviderRegistry(Array(providers.values)))
    }

    /// A new test workspace for another description, sharing this one's state and providers.
    public func replacing(graph: ResourceGraph) -> TestWorkspace {
        TestWorkspace(
            workspace: Workspace(graph: graph, storage: storage, providers: workspace.providers), storage: storage, providers: providers)
    }

    private init(workspace: Workspace, storage: InMemoryStateStorage, providers: [String: InMemoryProvider]) {
        self.workspace = workspace
        self.storage = storage
        self.providers = providers
    }

    public func plan(_ options: PlanOptions = PlanOptions()) async throws -> Plan {
        try await workspace.plan(options, state: workspace.loadState())
    }

    /// Plans and applies, returning the result.
    @discardableResult
    public func apply(_ options: PlanOptions = PlanOptions(), parallelism: Int = 10) async throws -> ApplyResult {
        let state = try workspace.loadState()
        let plan = try await workspace.plan(options, state: state)
        return try await workspace.apply(plan, state: state, executor: Executor(providers: workspace.providers, parallelism: parallelism))
    }
}

extension Plan {
    /// The addresses planned for `action`, in plan order.
    public func addresses(_ action: Action) -> [ResourceAddress] {
        changes.filter { $0.action == action }.map(\.address)
    }

    /// Every non-no-op change as `"+ vm.web"`, `"~ vm.db"`, `"-/+ vm.x"`, `"- vm.y"`.
    public var actionLines: [String] {
        changes.filter { $0.action != .noOp }.map { "\($0.action.symbol) \($0.address)" }
    }
}
