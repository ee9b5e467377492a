/// Where state lives. ``FileStateStorage`` is the default; tests use an in-memory one.
public protocol StateStorage: Sendable {
    /// For messages: the state file path, or a name.
    var displayName: String { get }
    /// Loads the state, replaying the journal of a run that died. `nil` when there is none yet.
    func load() throws -> State?
    /// Takes the exclusive lock, or throws ``StateError/locked(_:path:)``.
    func lock(operation: String) throws -> LockInfo
    func unlock(_ lock: LockInfo) throws
    /// Removes a lock left behind, when its ID matches.
    func forceUnlock(id: String) throws
    /// Starts a journal continuing `base`; records are appended as operations begin and end.
    func openJournal(continuing base: State) throws -> any JournalWriter
    /// Replaces the state atomically, keeps the previous version as a backup, drops the journal.
    func save(_ state: State) throws
}

/// Appends journal records. Owned by one ``StateStore`` actor at a time.
public protocol JournalWriter: AnyObject {
    func append(_ record: JournalRecord) throws
    /// Makes every appended record durable against power loss (fsync).
    func sync() throws
    func close()
}
