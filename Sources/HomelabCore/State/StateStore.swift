import Foundation
import Synchronization

/// The single writer of state during a run.
///
/// Every operation is journaled before its provider call (`begin`) and after it (`put`, `remove`
/// or `end`), so a crash at any instant loses nothing; ``commit()`` folds the journal into the
/// state file once. Appends are fsynced in groups (at most every `syncInterval`): a killed
/// process loses nothing, a power cut at most the last interval.
///
/// A mutex rather than an actor: each call is a short buffered append, and an actor hop per
/// operation cost more than the append itself (two context switches per resource on 2 cores).
public final class StateStore: Sendable {
    public let storage: any StateStorage
    private let guarded: Mutex<Guarded>
    private let syncInterval: Duration

    private struct Guarded: ~Copyable {
        var state: State
        var journal: (any JournalWriter)?
        var changed: Bool
        var lastSync = ContinuousClock.now
        /// Set by a final commit: later records (of abandoned operations) are refused.
        var sealed = false
    }

    public init(storage: any StateStorage, state: State, syncInterval: Duration = .milliseconds(200)) {
        self.storage = storage
        self.syncInterval = syncInterval
        // A state recovered from a journal has unsaved changes by definition.
        self.guarded = Mutex(Guarded(state: state, journal: nil, changed: !state.pendingOperations.isEmpty))
    }

    /// The state as of the last recorded operation.
    public var state: State { guarded.withLock { $0.state } }

    private func record(_ record: JournalRecord, _ change: (inout State) -> Bool) throws {
        try guarded.withLock { guarded in
            guard !guarded.sealed else { throw StateStoreSealed() }
            if guarded.journal == nil { guarded.journal = try storage.openJournal(continuing: guarded.state) }
            try guarded.journal?.append(record)
            if ContinuousClock.now - guarded.lastSync >= syncInterval {
                try guarded.journal?.sync()
                guarded.lastSync = .now
            }
            if change(&guarded.state) { guarded.changed = true }
        }
    }

    /// Records the intent before a provider call.
    public func begin(_ operation: PendingOperation) throws {
        try record(.begin(operation)) { state in
            state.pendingOperations.removeAll { $0.address == operation.address }
            state.pendingOperations.append(operation)
            return true
        }
    }

    /// Records the result of a successful create, update, refresh or import.
    public func put(_ resource: ResourceState) throws {
        try record(.put(resource)) { state in
            state.resources[resource.address] = resource
            state.pendingOperations.removeAll { $0.address == resource.address }
            return true
        }
    }

    /// Records that a resource is gone.
    public func remove(_ address: ResourceAddress) throws {
        try record(.remove(address)) { state in
            state.resources[address] = nil
            state.pendingOperations.removeAll { $0.address == address }
            return true
        }
    }

    /// Records that an operation ended without changing the resource (it failed cleanly).
    public func end(_ address: ResourceAddress) throws {
        try record(.end(address)) { state in
            state.pendingOperations.removeAll { $0.address == address }
            return false
        }
    }

    public func setOutputs(_ outputs: [String: OutputState]) throws {
        guard outputs != state.outputs else { return }
        var entry = JournalRecord(kind: .outputs)
        entry.outputs = StateFileFormat(State(outputs: outputs)).outputs
        try record(entry) { state in
            state.outputs = outputs
            return true
        }
    }

    /// Saves the state with serial + 1 if anything changed. Returns the saved state. With
    /// `sealing`, nothing can be recorded after it (operations still running are abandoned).
    @discardableResult
    public func commit(sealing: Bool = false) throws -> State {
        try guarded.withLock { guarded in
            guarded.sealed = sealing
            if guarded.changed {
                if guarded.state.lineage.isEmpty { guarded.state.lineage = UUID().uuidString.lowercased() }
                guarded.state.serial += 1
                try storage.save(guarded.state)
                guarded.changed = false
            }
            guarded.journal?.close()
            guarded.journal = nil
            return guarded.state
        }
    }
}

/// A record arrived after the run's final save: it belongs to an abandoned operation.
public struct StateStoreSealed: Error, CustomStringConvertible {
    public var description: String { "the run was abandoned; this operation's result is left for the next run to adopt" }
}
