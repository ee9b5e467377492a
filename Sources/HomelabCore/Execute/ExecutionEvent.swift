/// What the executor reports while it works, for progress output.
public enum ExecutionEvent: Sendable {
    case started(ResourceAddress, Action)
    /// Sent every progress interval while an operation runs ("creating… [10s elapsed]").
    case stillRunning(ResourceAddress, Action, elapsed: Duration)
    /// A provider's own progress message.
    case message(ResourceAddress, String)
    case finished(ResourceAddress, Action, elapsed: Duration)
    case failed(ResourceAddress, Action, message: String)
    case skipped(ResourceAddress, because: ResourceAddress)
    /// A stop was asked for: no new operation starts; these are still running and will finish.
    case stopping(running: [ResourceAddress])
    /// A second stop: these running operations are abandoned, their intents kept for the next run.
    case abandoning(running: [ResourceAddress])
}

/// The outcome of one apply: exactly what happened, counted as each step finished.
public struct ApplyResult: Sendable {
    public var added = 0
    public var changed = 0
    public var destroyed = 0
    /// Objects of interrupted runs recorded in state.
    public var adopted = 0
    /// Objects found gone and removed from state.
    public var forgotten = 0
    public var failures: [(address: ResourceAddress, message: String)] = []
    /// Failed after their object came to exist: in state, marked tainted.
    public var tainted: [ResourceAddress] = []
    /// Not attempted because something they depend on failed.
    public var skipped: [ResourceAddress] = []
    /// Not started because the run was interrupted.
    public var notStarted: [ResourceAddress] = []
    /// Still running when a second stop came: their intents stay pending for the next run.
    public var abandoned: [ResourceAddress] = []
    public var interrupted = false
    public var state: State

    public var succeeded: Bool { failures.isEmpty && skipped.isEmpty && notStarted.isEmpty && abandoned.isEmpty }

    public init(state: State) { self.state = state }
}
