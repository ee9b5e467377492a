import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Deterministic crash points for the crash campaign (`Tests/Fixtures/CrashCampaign`): with
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
