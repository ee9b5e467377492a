import Foundation

/// The single writer of state during a run.
///
/// Every operation is journaled before its provider call (`begin`) and after it (`put`, `remove`
/// or `end`), so a crash at any instant loses nothing; ``commit()`` folds the journal into the
/// state file once. Appends are fsynced in groups (at most every ``syncInterval``): a killed
/// process loses nothing, a power cut at most the last interval.
public actor StateStore {
    public nonisolated let storage: any StateStorage
    public private(set) var state: State
    private var journal: (any JournalWriter)?
    private var changed = false
    private var lastSync = ContinuousClock.now
    private let syncInterval: Duration

    public init(storage: any StateStorage, state: State, syncInterval: Duration = .milliseconds(200)) {
        self.storage = storage
        self.state = state
        self.syncInterval = syncInterval
        // A state recovered from a journal has unsaved changes by definition.
        self.changed = !state.pendingOperations.isEmpty
    }

    private func write(_ record: JournalRecord) throws {
        if journal == nil { journal = try storage.openJournal(continuing: state) }
        try journal?.append(record)
        if ContinuousClock.now - lastSync >= syncInterval {
            try journal?.sync()
            lastSync = .now
        }
    }

    /// Records the intent before a provider call.
    public func begin(_ operation: PendingOperation) throws {
        try write(.begin(operation))
        state.pendingOperations.append(operation)
        changed = true
    }

    /// Records the result of a successful create, update, refresh or import.
    public func put(_ resource: ResourceState) throws {
        try write(.put(resource))
        state.resources[resource.address] = resource
        state.pendingOperations.removeAll { $0.address == resource.address }
        changed = true
    }

    /// Records that a resource is gone.
    public func remove(_ address: ResourceAddress) throws {
        try write(.remove(address))
        state.resources[address] = nil
        state.pendingOperations.removeAll { $0.address == address }
        changed = true
    }

    /// Records that an operation ended without changing the resource (it failed cleanly).
    public func end(_ address: ResourceAddress) throws {
        try write(.end(address))
        state.pendingOperations.removeAll { $0.address == address }
    }

    public func setOutputs(_ outputs: [String: OutputState]) throws {
        guard outputs != state.outputs else { return }
        var record = JournalRecord(kind: .outputs)
        record.outputs = StateFileFormat(State(outputs: outputs)).outputs
        try write(record)
        state.outputs = outputs
        changed = true
    }

    /// Saves the state with serial + 1 if anything changed. Returns the saved state.
    @discardableResult
    public func commit() throws -> State {
        if changed {
            if state.lineage.isEmpty { state.lineage = UUID().uuidString.lowercased() }
            state.serial += 1
            try storage.save(state)
            changed = false
        }
        journal?.close()
        journal = nil
        return state
    }
}
