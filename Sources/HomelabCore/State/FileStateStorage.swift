import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// State in one JSON file (mode 0600) with a backup, a journal and a lock file beside it:
/// `homelab.state.json`, `.backup`, `.journal`, `.lock`.
public struct FileStateStorage: StateStorage {
    public let path: String
    public var backupPath: String { path + ".backup" }
    public var journalPath: String { path + ".journal" }
    public var lockPath: String { path + ".lock" }

    public init(path: String) { self.path = path }

    public var displayName: String { path }

    public func load() throws -> State? {
        let base: State?
        if let data = try AtomicFile.read(path) {
            base = try StateFileFormat.decode(data, path: path)
        } else {
            base = nil
        }
        guard let journalData = try AtomicFile.read(journalPath), let journal = JournalParser.parse(journalData) else {
            return base
        }
        // A journal continues exactly one state; one that does not match was already folded in.
        let continued = base ?? State(serial: journal.header.serial, lineage: journal.header.lineage)
        guard journal.header.lineage == continued.lineage, journal.header.serial == continued.serial else {
            return base
        }
        var recovered = continued
        recovered.replay(journal.records)
        return recovered
    }

    public func lock(operation: String) throws -> LockInfo {
        let info = LockInfo.current(operation: operation)
        let data = try JSONEncoder().encode(info)
        for attempt in 0..<2 {
            let fd = open(lockPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                defer { Glibc.close(fd) }
                try AtomicFile.writeAll(fd, data, path: lockPath)
                return info
            }
            guard errno == EEXIST else { throw StateError.io(path: lockPath, operation: "create lock", errno: errno) }
            let holder = readLock()
            // A lock whose process died on this host is no lock (like fcntl locks): take it over.
            if attempt == 0, let holder, holder.host == info.host, kill(holder.pid, 0) != 0, errno == ESRCH {
                unlink(lockPath)
                continue
            }
            throw StateError.locked(
                holder ?? LockInfo(id: "unknown", operation: "unknown", who: "unknown", host: "", pid: 0, created: "?"),
                path: path
            )
        }
        throw StateError.io(path: lockPath, operation: "create lock", errno: EEXIST)
    }

    public func unlock(_ lock: LockInfo) throws {
        guard let holder = readLock(), holder.id == lock.id else { return }
        unlink(lockPath)
    }

    public func forceUnlock(id: String) throws {
        let holder = readLock()
        guard let holder, holder.id == id else { throw StateError.lockMismatch(expected: id, found: holder?.id) }
        unlink(lockPath)
    }

    private func readLock() -> LockInfo? {
        guard let data = FileManager.default.contents(atPath: lockPath) else { return nil }
        return try? JSONDecoder().decode(LockInfo.self, from: data)
    }

    public func openJournal(continuing base: State) throws -> any JournalWriter {
        try FileJournalWriter(path: journalPath, header: JournalHeader(journal: 1, lineage: base.lineage, serial: base.serial))
    }

    public func save(_ state: State) throws {
        let data = try StateFileFormat.encode(state)
        if let previous = try AtomicFile.read(path) {
            try AtomicFile.write(previous, to: backupPath)
        }
        try AtomicFile.write(data, to: path)
        // Only once the new state is durable may the journal go; a crash in between leaves a
        // journal whose serial no longer matches, which load() ignores.
        unlink(journalPath)
    }
}

/// Appends one JSON line per record with a single `write`, so a crash tears at most the last line.
final class FileJournalWriter: JournalWriter {
    private var fd: Int32
    private let path: String
    private let encoder: JSONEncoder

    init(path: String, header: JournalHeader) throws {
        self.path = path
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateError.io(path: path, operation: "create journal", errno: errno) }
        try appendLine(try encoder.encode(header))
        try sync()
        try AtomicFile.syncDirectory(of: path)
    }

    func append(_ record: JournalRecord) throws { try appendLine(try encoder.encode(record)) }

    private func appendLine(_ line: Data) throws {
        var data = line
        data.append(0x0A)
        try AtomicFile.writeAll(fd, data, path: path)
    }

    func sync() throws {
        guard fd >= 0, fsync(fd) == 0 else { throw StateError.io(path: path, operation: "fsync", errno: errno) }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
