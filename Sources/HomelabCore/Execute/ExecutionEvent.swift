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
    /// Ctrl-C was pressed: no new operation starts.
    case stopping
}

/// The outcome of one apply.
public struct ApplyResult: Sendable {
    public var added = 0
    public var changed = 0
    public var destroyed = 0
    public var failures: [(address: ResourceAddress, message: String)] = []
    /// Not attempted because something they depend on failed.
    public var skipped: [ResourceAddress] = []
    /// Not started because the run was interrupted.
    public var notStarted: [ResourceAddress] = []
    public var interrupted = false
    public var state: State

    public var succeeded: Bool { failures.isEmpty && skipped.isEmpty && notStarted.isEmpty }

    public init(state: State) { self.state = state }
}
