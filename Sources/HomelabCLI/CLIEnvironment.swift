import Foundation
import HomelabKit
import Synchronization

/// What the commands work on: the description, the providers and the terminal. Set by
/// ``HomelabCommand/main(lab:providers:)`` (or by tests) through a task-local, because
/// argument-parser builds commands from arguments alone.
public struct CLIEnvironment: Sendable {
    public var lab: Lab
    public var providers: ProviderRegistry
    public var output: OutputSink
    /// Answers a confirmation prompt; `nil` when there is no one to ask.
    public var readLine: @Sendable () -> String?
    public var environment: [String: String]
    /// Raised by SIGINT, SIGTERM and SIGHUP during refresh and apply.
    public var stopSignal: StopSignal
    /// The command line being run (what `--sandbox` re-executes inside the lab network).
    public var arguments: [String] = []

    public init(
        lab: Lab,
        providers: ProviderRegistry = Lab.defaultProviders,
        output: OutputSink = .standard(),
        readLine: @escaping @Sendable () -> String? = { isatty(STDIN_FILENO) == 1 ? Swift.readLine() : nil },
        environment: [String: String] = ProcessInfo.processInfo.environment,
        stopSignal: StopSignal = StopSignal()
    ) {
        self.lab = lab
        self.providers = providers
        self.output = output
        self.readLine = readLine
        self.environment = environment
        self.stopSignal = stopSignal
    }

    @TaskLocal static var current: CLIEnvironment?

    static func require() throws -> CLIEnvironment {
        guard let current else { throw CLIError("HomelabCommand must be started with HomelabCommand.main(lab:)") }
        return current
    }
}

/// Where command output goes: stdout and stderr, or buffers in tests. Safe from any task.
public final class OutputSink: Sendable {
    private let state: Mutex<(out: String, err: String)>
    private let write: @Sendable (String, Bool) -> Void
    public let isTerminal: Bool

    public init(isTerminal: Bool, write: @escaping @Sendable (String, Bool) -> Void) {
        self.isTerminal = isTerminal
        self.write = write
        self.state = Mutex((out: "", err: ""))
    }

    /// The process's stdout and stderr.
    public static func standard() -> OutputSink {
        OutputSink(isTerminal: isatty(STDOUT_FILENO) == 1) { text, isError in
            FileHandle(fileDescriptor: isError ? STDERR_FILENO : STDOUT_FILENO).write(Data(text.utf8))
        }
    }

    public func print(_ text: String = "") { emit(text + "\n", isError: false) }
    public func error(_ text: String) { emit(text + "\n", isError: true) }

    private func emit(_ text: String, isError: Bool) {
        state.withLock { captured in
            if isError { captured.err += text } else { captured.out += text }
            write(text, isError)
        }
    }

    public var standardOutput: String { state.withLock { $0.out } }
    public var standardError: String { state.withLock { $0.err } }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
