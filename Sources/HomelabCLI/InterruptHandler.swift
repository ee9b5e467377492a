import Foundation
import HomelabKit
import Synchronization

/// SIGINT (Ctrl-C), SIGTERM (a cancelled CI job) and SIGHUP (a closed terminal) during refresh or
/// apply stop new work instead of killing the process; a second one abandons running operations.
///
/// The C signal handler is installed synchronously (no window in which a signal is lost or kills
/// the process) and only writes a byte to a pipe, the one async-signal-safe thing it needs to do;
/// a thread reading the pipe escalates every stop signal registered at that moment.
final class InterruptHandler: Sendable {
    private let id: Int

    init(stopSignal: StopSignal) {
        id = InterruptRegistry.shared.register(stopSignal)
    }

    func cancel() { InterruptRegistry.shared.unregister(id) }
}

/// The process-wide part: one pipe, one reader thread, the handler installed while any apply runs.
private final class InterruptRegistry: Sendable {
    static let shared = InterruptRegistry()

    private struct Registrations {
        var signals: [Int: StopSignal] = [:]
        var nextID = 0
    }

    private let registrations = Mutex(Registrations())
    private let readEnd: Int32

    private init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) != 0 { ends = [-1, -1] }
        readEnd = ends[0]
        interruptPipeWriteEnd.store(ends[1], ordering: .releasing)
        let thread = Thread { [self] in
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                // A signal handled on this thread interrupts the read: read again.
                if count < 0 && errno == EINTR { continue }
                guard count == 1 else { return }
                for signal in registrations.withLock({ Array($0.signals.values) }) { signal.escalate() }
            }
        }
        thread.name = "homelabkit.interrupt"
        thread.start()
    }

    func register(_ signal: StopSignal) -> Int {
        registrations.withLock { registrations in
            if registrations.signals.isEmpty { installHandler() }
            registrations.nextID += 1
            registrations.signals[registrations.nextID] = signal
            return registrations.nextID
        }
    }

    func unregister(_ id: Int) {
        registrations.withLock { registrations in
            registrations.signals[id] = nil
            if registrations.signals.isEmpty {
                for number in Self.handled { Foundation.signal(number, SIG_DFL) }
            }
        }
    }

    static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private func installHandler() {
        for number in Self.handled {
            Foundation.signal(number) { _ in
                var byte: UInt8 = 1
                _ = write(interruptPipeWriteEnd.load(ordering: .acquiring), &byte, 1)
            }
        }
    }
}

/// Read by the signal handler, which can capture nothing.
private let interruptPipeWriteEnd = Atomic<Int32>(-1)
