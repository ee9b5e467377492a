import Synchronization

/// One resource's provider calls, each journaled before and after, read back and compared with
/// what was asked, and counted once it really happened.
struct Step: Sendable {
    let operation: Executor.Operation
    let store: StateStore
    let tally: Tally
    let progress: @Sendable (String) -> Void

    private var address: ResourceAddress { operation.change.address }
    /// Taken when the call is made: a configuration may come from a resource built earlier in this run.
    private var context: ResourceContext { operation.context.resolved(in: store.state) }

    func record(_ attributes: Value, tainted: Bool = false) -> ResourceState {
        var resource = ResourceState(
            address: address,
            type: operation.type,
            attributes: attributes,
            dependencies: operation.dependencies,
            providerConfiguration: operation.configurationKey
        )
        if tainted { resource.tainted = true }
        return resource
    }

    private func pending(_ action: String, intended: ResourceState? = nil) -> PendingOperation {
        PendingOperation(
            address: address, action: action, type: operation.type.name, provider: operation.type.provider, intended: intended)
    }

    /// Creates the object. Once the provider reports that it exists, it is in state as tainted, so
    /// neither a failure nor a crash after that point leaves it untracked. A failure before that
    /// keeps the intent pending: the next plan looks for the object by its description.
    func create() async throws {
        let asked = operation.change.after ?? .object([:])
        try store.begin(pending("create", intended: record(asked)))
        let reported = Mutex(false)
        let store = self.store
        let request = CreateRequest(resource: context, attributes: asked, progress: progress) { [self] attributes in
            try store.put(record(attributes, tainted: true))
            reported.withLock { $0 = true }
        }
        let response: CreateResponse
        do {
            response = try await operation.provider.create(request)
        } catch {
            if reported.withLock({ $0 }) { tally.taint(address) }
            throw error
        }
        do {
            let real = try await readBack(asked: asked, result: response.attributes)
            try store.put(record(real))
            tally.count(\.added)
        } catch let error as InconsistentResult {
            try store.put(record(error.real, tainted: true))
            tally.taint(address)
            throw error
        }
    }

    /// Updates the object in place. An object not yet in state (adopted from an interrupted run)
    /// is recorded as tainted when the update fails: it exists, whatever state it is in.
    func update() async throws {
        let change = operation.change
        let asked = change.after ?? .object([:])
        try store.begin(pending("update"))
        let response: UpdateResponse
        do {
            response = try await operation.provider.update(
                UpdateRequest(
                    resource: context,
                    prior: change.before ?? .object([:]),
                    attributes: asked,
                    changedAttributes: change.diffs.topLevelNames,
                    changedPaths: change.diffs.map(\.path),
                    progress: progress
                )
            )
        } catch {
            if operation.untracked, let before = change.before {
                try store.put(record(before, tainted: true))
                tally.taint(address)
            } else {
                try store.end(address)
            }
            throw error
        }
        do {
            let real = try await readBack(asked: asked, result: response.attributes)
            try store.put(record(real))
            tally.count(\.changed)
        } catch let error as InconsistentResult {
            // What is there now is the truth: record it, and let the next plan show the difference.
            try store.put(record(error.real, tainted: operation.untracked))
            throw error
        }
    }

    func delete() async throws {
        try store.begin(pending("delete"))
        do {
            _ = try await operation.provider.delete(
                DeleteRequest(resource: context, prior: operation.change.before ?? .object([:]), progress: progress))
        } catch {
            try store.end(address)
            throw error
        }
        try store.remove(address)
        tally.count(\.destroyed)
    }

    /// Reads the object as the provider finds it and compares it with what was asked.
    private func readBack(asked: Value, result: Value) async throws -> Value {
        guard operation.type.verifiedAfterApply else { return result }
        guard let real = try await operation.provider.read(ReadRequest(resource: context, attributes: result)).attributes else {
            throw ProviderError.failed("\(address): the provider reported success, but the object does not exist when read back")
        }
        let differences = AttributeDiffer.diff(desired: asked, prior: real, replaceOnChange: []).filter { difference in
            guard case .key(let name)? = difference.path.steps.first else { return true }
            return !operation.type.notReadBack.contains(name)
        }
        guard differences.isEmpty else { throw InconsistentResult(address: address, differences: differences, real: real) }
        // What a read cannot confirm is recorded as it was asked (and as the provider returned it).
        var recorded = real
        for name in operation.type.notReadBack {
            if let value = result[name] ?? asked[name] { recorded = recorded.with(name, value) }
        }
        return recorded
    }
}

/// The object read back after a create or update is not what was asked.
public struct InconsistentResult: Error, Sendable, CustomStringConvertible {
    public var address: ResourceAddress
    public var differences: [AttributeDiff]
    /// The object as it was read back.
    public var real: Value

    public var description: String {
        let lines = differences.map { difference in
            "  \(difference.path): asked \(format(difference.after)), but it is \(format(difference.before))"
        }
        return "inconsistent result after apply: the provider reported success, but reading \(address) back shows\n"
            + lines.joined(separator: "\n")
    }

    private func format(_ value: Value?) -> String { value.map { ValueFormatter.format($0) } ?? "null" }
}

extension [AttributeDiff] {
    /// The top-level attributes that differ, each once: a change inside a list (`tags[1]`) is a
    /// change of `tags`.
    var topLevelNames: [String] {
        var names: [String] = []
        for diff in self {
            guard case .key(let name)? = diff.path.steps.first, !names.contains(name) else { continue }
            names.append(name)
        }
        return names
    }
}
