import HomelabKit
import Synchronization

/// State kept in memory, with the same journal and lock semantics as ``FileStateStorage``.
public final class InMemoryStateStorage: StateStorage {
    private struct Contents {
        var saved: State?
        var journalHeader: JournalHeader?
        var journal: [JournalRecord] = []
        var lock: LockInfo?
        var saves = 0
    }
    private let contents: Mutex<Contents>

    public init(_ state: State? = nil) { contents = Mutex(Contents(saved: state)) }

    public var displayName: String { "memory" }

    public func load() throws -> State? {
        contents.withLock { contents in
            guard let header = contents.journalHeader else { return contents.saved }
            var state = contents.saved ?? State(serial: header.serial, lineage: header.lineage)
            guard state.lineage == header.lineage, state.serial == header.serial else { return contents.saved }
            state.replay(contents.journal)
            return state
        }
    }

    public func lock(operation: String) throws -> LockInfo {
        try contents.withLock { contents in
            if let held = contents.lock { throw StateError.locked(held, path: "memory") }
            let info = LockInfo.current(operation: operation)
            contents.lock = info
            return info
        }
    }

    public func unlock(_ lock: LockInfo) throws {
        contents.withLock { if $0.lock?.id == lock.id { $0.lock = nil } }
    }

    public func forceUnlock(id: String) throws {
        try contents.withLock { contents in
            guard contents.lock?.id == id else { throw StateError.lockMismatch(expected: id, found: contents.lock?.id) }
            contents.lock = nil
        }
    }

    public func openJournal(continuing base: State) throws -> any JournalWriter {
        // Like the file storage: a journal that continues `base` is appended to, never reset.
        contents.withLock {
            let header = JournalHeader(journal: 1, lineage: base.lineage, serial: base.serial)
            if $0.journalHeader != header {
                $0.journalHeader = header
                $0.journal = []
            }
        }
        return Writer(storage: self)
    }

    public func save(_ state: State) throws {
        contents.withLock {
            $0.saved = state
            $0.journalHeader = nil
            $0.journal = []
            $0.saves += 1
        }
    }

    /// The last saved state, ignoring any journal.
    public var savedState: State? { contents.withLock { $0.saved } }
    /// How many times the whole state was written.
    public var saveCount: Int { contents.withLock { $0.saves } }
    /// Journal records not yet folded into the saved state.
    public var journalRecords: [JournalRecord] { contents.withLock { $0.journal } }

    fileprivate func append(_ record: JournalRecord) { contents.withLock { $0.journal.append(record) } }

    private final class Writer: JournalWriter {
        let storage: InMemoryStateStorage
        init(storage: InMemoryStateStorage) { self.storage = storage }
        func append(_ record: JournalRecord) throws { storage.append(record) }
        func sync() throws {}
        func close() {}
    }
}
