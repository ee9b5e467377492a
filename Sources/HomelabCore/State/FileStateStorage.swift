import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// State in one JSON file (mode 0600) with a backup, a journal and a lock file beside it:
/// `homelab.state.json`, `.backup`, `.journal`, `.lock`.
///
/// A state path that is a symbolic link stays one: writes go to the file it points at.
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
        guard let journalData = try AtomicFile.read(journalPath) else { return base }
        guard let journal = JournalParser.parse(journalData) else {
            // No complete header line: the run died while starting its journal, before any record.
            return base
        }
        switch JournalMatch(header: journal.header, state: base) {
        case .continues:
            var recovered = base ?? State(serial: journal.header.serial, lineage: journal.header.lineage)
            recovered.replay(journal.records)
            return recovered
        case .alreadyFolded:
            // save() wrote the state that includes this journal and died before removing it.
            unlink(journalPath)
            return base
        case .mismatched(let reason):
            throw StateError.journalMismatch(path: journalPath, reason: reason)
        }
    }

    // MARK: Lock

    /// Takes the kernel's lock (`flock`) on the lock file: a holder that dies, however it dies,
    /// releases it, so no pid is ever tested. The file is created with the holder's information
    /// already in it (written beside it, then linked into place), so a lock is never empty.
    public func lock(operation: String) throws -> LockInfo {
        let info = LockInfo.current(operation: operation)
        let data = try JSONEncoder().encode(info)
        for _ in 0..<100 {
            let fd = open(lockPath, O_RDWR | O_CLOEXEC)
            if fd < 0 {
                guard errno == ENOENT else { throw StateError.io(path: lockPath, operation: "open lock", errno: errno) }
                try createLockFile(data)
                continue
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                Glibc.close(fd)
                guard code == EWOULDBLOCK || code == EINTR else {
                    throw StateError.io(path: lockPath, operation: "lock", errno: code)
                }
                throw StateError.locked(readLock(retrying: true) ?? LockInfo.unreadable, path: path)
            }
            // The file may have been removed (an unlock) between open and flock: lock the one in place.
            var held = stat()
            var current = stat()
            guard fstat(fd, &held) == 0, stat(lockPath, &current) == 0, held.st_ino == current.st_ino,
                held.st_dev == current.st_dev
            else {
                Glibc.close(fd)
                continue
            }
            do {
                try rewrite(fd, with: data)
            } catch {
                Glibc.close(fd)
                throw error
            }
            HeldLocks.shared.insert(info.id, fd)
            return info
        }
        throw StateError.io(path: lockPath, operation: "lock", errno: EAGAIN)
    }

    private func createLockFile(_ data: Data) throws {
        let temp = lockPath + ".new-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateError.io(path: temp, operation: "create lock", errno: errno) }
        defer {
            Glibc.close(fd)
            unlink(temp)
        }
        try AtomicFile.writeAll(fd, data, path: temp)
        // link() fails if another run created the lock first; either way, the next loop locks it.
        if link(temp, lockPath) != 0, errno != EEXIST {
            throw StateError.io(path: lockPath, operation: "create lock", errno: errno)
        }
    }

    /// Replaces a stale lock's information in place (the inode must stay the one locked).
    private func rewrite(_ fd: Int32, with data: Data) throws {
        let written = data.withUnsafeBytes { buffer in pwrite(fd, buffer.baseAddress, buffer.count, 0) }
        guard written == data.count, ftruncate(fd, off_t(data.count)) == 0 else {
            throw StateError.io(path: lockPath, operation: "write lock", errno: errno)
        }
    }

    public func unlock(_ lock: LockInfo) throws {
        guard let fd = HeldLocks.shared.remove(lock.id) else { return }
        // Remove the file while still holding it; a run that opened it meanwhile sees it gone and retries.
        unlink(lockPath)
        Glibc.close(fd)
    }

    /// Removes the lock file so a new run can proceed. For a lock whose holder is still running
    /// (elsewhere, or hung), or whose information cannot be read (pass ``LockInfo/unreadableID``).
    public func forceUnlock(id: String) throws {
        let holder = readLock(retrying: false)
        guard FileManager.default.fileExists(atPath: lockPath) else {
            throw StateError.lockMismatch(expected: id, found: nil)
        }
        let found = holder?.id ?? LockInfo.unreadableID
        guard found == id else { throw StateError.lockMismatch(expected: id, found: found) }
        unlink(lockPath)
    }

    private func readLock(retrying: Bool) -> LockInfo? {
        // A stale lock being taken over is rewritten in place; a moment later it reads whole.
        for attempt in 0..<(retrying ? 5 : 1) {
            if attempt > 0 { usleep(10_000) }
            if let data = FileManager.default.contents(atPath: lockPath),
                let info = try? JSONDecoder().decode(LockInfo.self, from: data)
            {
                return info
            }
        }
        return nil
    }

    // MARK: Journal and save

    /// Continues the journal that ``load()`` replayed into `base` (appending after its last whole
    /// record), or starts a new one. A journal is never truncated while it holds records that the
    /// state file does not: a second crash must not erase what the first run did.
    public func openJournal(continuing base: State) throws -> any JournalWriter {
        let header = JournalHeader(journal: 1, lineage: base.lineage, serial: base.serial)
        if let data = try AtomicFile.read(journalPath), let existing = JournalParser.parse(data), existing.header == header {
            return try FileJournalWriter(appendingTo: journalPath, validLength: existing.validLength)
        }
        return try FileJournalWriter(creating: journalPath, header: header)
    }

    public func save(_ state: State) throws {
        let data = try StateFileFormat.encode(state)
        let target = try SymbolicLink.resolve(path)
        if let previous = try AtomicFile.read(target) {
            try AtomicFile.write(previous, to: try SymbolicLink.resolve(backupPath))
        }
        try AtomicFile.write(data, to: target)
        // Only once the new state is durable may the journal go; a crash in between leaves a
        // journal one serial behind, which load() recognises as already folded in.
        unlink(journalPath)
    }
}

/// How a journal relates to the state file beside it.
enum JournalMatch: Equatable {
    /// It continues exactly this state: replay it.
    case continues
    /// It continues the previous serial of this state, which already holds it.
    case alreadyFolded
    case mismatched(String)

    init(header: JournalHeader, state: State?) {
        guard let state else {
            self = header.serial == 0 ? .continues : .mismatched("it continues state serial \(header.serial), but there is no state file")
            return
        }
        let sameLineage = header.lineage == state.lineage
        if sameLineage && header.serial == state.serial {
            self = .continues
        } else if header.serial == state.serial - 1 && (sameLineage || header.lineage.isEmpty) {
            self = .alreadyFolded
        } else if sameLineage || header.lineage.isEmpty {
            self = .mismatched("it continues state serial \(header.serial), but the state file is at serial \(state.serial)")
        } else {
            self = .mismatched("it belongs to state lineage \(header.lineage), not to this state (\(state.lineage))")
        }
    }
}

/// The lock file descriptors this process holds, by lock ID (closing one releases the lock).
private final class HeldLocks: Sendable {
    static let shared = HeldLocks()
    private let descriptors = Mutex<[String: Int32]>([:])
    func insert(_ id: String, _ fd: Int32) { descriptors.withLock { $0[id] = fd } }
    func remove(_ id: String) -> Int32? { descriptors.withLock { $0.removeValue(forKey: id) } }
}

/// Appends one JSON line per record with a single `write`, so a crash tears at most the last line.
final class FileJournalWriter: JournalWriter {
    private var fd: Int32
    private let path: String
    private let encoder: JSONEncoder

    /// Starts a new journal whose first line is `header`.
    init(creating path: String, header: JournalHeader) throws {
        self.path = path
        encoder = Self.makeEncoder()
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateError.io(path: path, operation: "create journal", errno: errno) }
        try appendLine(try encoder.encode(header))
        try sync()
        try AtomicFile.syncDirectory(of: path)
    }

    /// Continues a journal after its last whole line (a torn last line is cut off first, or the
    /// next record would be glued to it and lost).
    init(appendingTo path: String, validLength: Int) throws {
        self.path = path
        encoder = Self.makeEncoder()
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw StateError.io(path: path, operation: "open journal", errno: errno) }
        guard ftruncate(fd, off_t(validLength)) == 0 else {
            throw StateError.io(path: path, operation: "truncate the torn end of", errno: errno)
        }
        try sync()
    }

    private static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    func append(_ record: JournalRecord) throws {
        try appendLine(try encoder.encode(record))
        CrashPoints.journalRecordWritten(record)
    }

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
