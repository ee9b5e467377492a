import Synchronization

/// How far a run has been asked to stop: set by SIGINT, SIGTERM or SIGHUP (or by a caller).
///
/// The first request stops new work: running operations finish and state is saved. A second one
/// abandons the running operations: state is saved with their intents still pending, so the next
/// run reads and adopts what they made.
public final class StopSignal: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case running = 0
        case stopping = 1
        case abandoning = 2
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private let state = Mutex<(level: Level, watchers: [Int: AsyncStream<Level>.Continuation], next: Int)>((.running, [:], 0))

    public init() {}

    /// Stops new work (idempotent).
    public func stop() { raise(to: .stopping) }
    /// Abandons running operations too.
    public func abandon() { raise(to: .abandoning) }
    /// What a signal means: stop the first time, abandon after that.
    public func escalate() { raise(to: level == .running ? .stopping : .abandoning) }

    public var level: Level { state.withLock { $0.level } }
    public var isStopped: Bool { level >= .stopping }
    public var isAbandoned: Bool { level == .abandoning }

    /// Every level reached from now on, as it is reached (the current one first, if not running).
    public func levels() -> AsyncStream<Level> {
        let (stream, continuation) = AsyncStream.makeStream(of: Level.self)
        let id = state.withLock { state in
            if state.level > .running { continuation.yield(state.level) }
            state.next += 1
            state.watchers[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    private func raise(to level: Level) {
        let watchers: [AsyncStream<Level>.Continuation] = state.withLock { state in
            guard level > state.level else { return [] }
            state.level = level
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield(level) }
    }
}
