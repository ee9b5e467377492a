import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Deterministic crash points for the crash campaign (`Tests/CrashCampaign`): with
/// `HOMELAB_CRASH_AT_JOURNAL_RECORD=N` set, the process kills itself with SIGKILL right after the
/// N-th journal record it writes, so every journal boundary can be tested, not only random moments.
/// Unset (always, outside that harness), it costs one atomic load per record.
enum CrashPoints {
    private static let target: Int = {
        ProcessInfo.processInfo.environment["HOMELAB_CRASH_AT_JOURNAL_RECORD"].flatMap(Int.init) ?? 0
    }()
    private static let written = Atomic<Int>(0)

    static func journalRecordWritten() {
        guard target > 0 else { return }
        let count = written.add(1, ordering: .relaxed).newValue
        if count == target { kill(getpid(), SIGKILL) }
    }
}

/// Where a path that may be a symbolic link really leads (the link itself is kept, and written through).
enum SymbolicLink {
    static func resolve(_ path: String) throws(StateError) -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &buffer, buffer.count - 1)
            guard length > 0 else { throw .io(path: current, operation: "read the link", errno: errno) }
            let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current =
                target.hasPrefix("/")
                ? target : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(target)
        }
        throw .io(path: path, operation: "resolve", errno: ELOOP)
    }
}
