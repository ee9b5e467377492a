import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Deterministic crash points for the crash campaigns (`Tests/Fixtures/CrashCampaign`,
/// `Tests/Fixtures/SandboxCrashCampaign`). Unset (always, outside those harnesses), they cost one
/// atomic load per journal record.
///
/// - `HOMELAB_CRASH_AT_JOURNAL_RECORD=N`: the process kills itself with SIGKILL right after the
///   N-th journal record it writes, so every journal boundary can be tested.
/// - `HOMELAB_CRASH_INSIDE=<provider>:<milliseconds>`: that long after the first operation of
///   `provider` begins (its intent is written), the process kills itself, so that a kill lands
///   inside a provider's steps (a kubeadm init or join, a Cilium install), not only between them.
enum CrashPoints {
    private static let atRecord: Int = {
        ProcessInfo.processInfo.environment["HOMELAB_CRASH_AT_JOURNAL_RECORD"].flatMap(Int.init) ?? 0
    }()
    private static let inside: (provider: String, delay: Int)? = {
        guard let setting = ProcessInfo.processInfo.environment["HOMELAB_CRASH_INSIDE"],
            let colon = setting.lastIndex(of: ":"), let delay = Int(setting[setting.index(after: colon)...]), delay >= 0
        else { return nil }
        return (String(setting[..<colon]), delay)
    }()
    private static let written = Atomic<Int>(0)
    private static let armed = Atomic<Bool>(false)

    static func journalRecordWritten(_ record: JournalRecord) {
        if atRecord > 0, written.add(1, ordering: .relaxed).newValue == atRecord { kill(getpid(), SIGKILL) }
        guard let inside, record.kind == .begin, record.pending?.provider == inside.provider,
            !armed.exchange(true, ordering: .relaxed)
        else { return }
        // A thread of its own: the kill must come however busy or blocked the cooperative pool is.
        Thread.detachNewThread {
            usleep(useconds_t(clamping: min(inside.delay, 3_600_000) * 1000))
            kill(getpid(), SIGKILL)
        }
    }
}
