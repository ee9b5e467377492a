import Foundation
import HomelabKit
import Synchronization

/// SIGINT (Ctrl-C), SIGTERM (a cancelled CI job) and SIGHUP (a closed terminal) during refresh or
/// apply stop new work instead of killing the process; a second one abandons running operations.
///
/// The C signal handler only counts: an atomic add is async-signal-safe where locks, allocation
/// and Swift's runtime are not. Each handler watches the count from a task and escalates its stop
/// signal once per new signal. No thread or pipe of its own: a thread that failed to start (which
/// `Thread.start()` does not report) would lose every signal without a word.
final class InterruptHandler: Sendable {
    private let watcher: Task<Void, Never>

    init(stopSignal: StopSignal) {
        // Read before the handler is installed: every signal from then on counts.
        let seen = receivedSignals.load(ordering: .acquiring)
        InstalledHandler.retain()
        watcher = Task.detached {
            var seen = seen
            while !Task.isCancelled {
                let received = receivedSignals.load(ordering: .acquiring)
                // A first signal stops, any later one abandons: two escalations say it all.
                for _ in 0..<max(0, min(received &- seen, 2)) { stopSignal.escalate() }
                seen = received
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func cancel() {
        watcher.cancel()
        InstalledHandler.release()
    }
}

/// Signals received while a handler was installed, counted by the C handler.
private let receivedSignals = Atomic<Int>(0)

/// The C handler is installed while any ``InterruptHandler`` lives, and the default action (end
/// the process) is back once none does.
private enum InstalledHandler {
    static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    private static let users = Mutex(0)

    static func retain() {
        users.withLock { users in
            if users == 0 {
                for number in handled {
                    signal(number) { _ in receivedSignals.add(1, ordering: .releasing) }
                }
            }
            users += 1
        }
    }

    static func release() {
        users.withLock { users in
            users = max(users - 1, 0)
            if users == 0 {
                for number in handled { signal(number, SIG_DFL) }
            }
        }
    }
}
