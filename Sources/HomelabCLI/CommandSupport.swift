import ArgumentParser
import Foundation
import HomelabKit

/// Steps shared by the commands.
enum CommandSupport {
    /// Compiles the description (printing every diagnostic; failing when there are errors) and
    /// runs `body` on its workspace; with `--sandbox`, inside the sandbox, which runs until
    /// `body` ends and then saves what lasts.
    static func withWorkspace<T: Sendable>(
        _ environment: CLIEnvironment, _ global: GlobalOptions, _ body: (Workspace) async throws -> T
    ) async throws -> T {
        let graph = try environment.lab.compile()
        for warning in graph.warnings { environment.output.error(warning.description) }
        try prepareStateDirectory(global.statePath)
        guard global.sandbox else {
            return try await body(Workspace(graph: graph, storage: global.storage(), providers: environment.providers))
        }
        return try await SandboxRun.run(graph: graph, environment: environment, global: global, body)
    }

    /// Creates the state's folder (mode 0700: state can hold secrets).
    static func prepareStateDirectory(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) else { return }
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
    }

    /// Runs `body` (a refresh, which changes nothing) so that SIGINT, SIGTERM or SIGHUP end it at
    /// once with a clear error: the caller's lock is released as the error unwinds.
    static func interruptible<T: Sendable>(
        _ environment: CLIEnvironment,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let stop = environment.stopSignal
        let interrupt = InterruptHandler(stopSignal: stop)
        defer { interrupt.cancel() }
        let (outcomes, outcome) = AsyncStream.makeStream(of: Result<T, any Error>?.self)
        let work = Task {
            do { outcome.yield(.success(try await body())) } catch { outcome.yield(.failure(error)) }
        }
        let watcher = Task {
            for await _ in stop.levels() {
                outcome.yield(nil)
                break
            }
        }
        defer { watcher.cancel() }
        for await result in outcomes {
            guard let result else {
                work.cancel()
                throw CLIError("interrupted while reading the real objects; nothing was changed, and the state lock is released")
            }
            return try result.get()
        }
        throw CancellationError()
    }

    /// Asks for "yes", unless approval was given up front.
    static func confirm(_ question: String, autoApprove: Bool, _ environment: CLIEnvironment) throws -> Bool {
        if autoApprove { return true }
        environment.output.print("\(question)\n  Only 'yes' will be accepted to approve.\n")
        environment.output.print("  Enter a value: ")
        guard let answer = environment.readLine() else {
            throw CLIError("no terminal to ask for confirmation; pass --auto-approve to apply without asking")
        }
        return answer.trimmingCharacters(in: .whitespaces) == "yes"
    }

    /// Applies `plan`, printing progress, and reports the summary. Fails when anything failed.
    static func execute(
        _ plan: Plan,
        workspace: Workspace,
        state: State,
        parallelism: Int,
        environment: CLIEnvironment,
        style: TerminalStyle
    ) async throws {
        let output = environment.output
        let interrupt = InterruptHandler(stopSignal: environment.stopSignal)
        defer { interrupt.cancel() }
        let executor = Executor(providers: workspace.providers, parallelism: parallelism, stopSignal: environment.stopSignal)
        let stages = StageProgress(plan)
        if let overview = stages.overview { output.print(overview) }
        let result = try await workspace.apply(plan, state: state, executor: executor) { event in
            output.print(ProgressFormatter.line(for: event, style: style))
            if let line = stages.record(event) { output.print(style.bold(line)) }
        }
        output.print("")
        let verb = plan.options.destroy ? "Destroy" : "Apply"
        var summary =
            "\(result.added) added, \(result.changed) changed, \(result.destroyed) destroyed"
        if result.adopted > 0 { summary += ", \(result.adopted) adopted" }
        if result.forgotten > 0 { summary += ", \(result.forgotten) forgotten" }
        if !result.failures.isEmpty { summary += ", \(result.failures.count) failed" }
        if !result.tainted.isEmpty { summary += ", \(result.tainted.count) tainted" }
        if !result.abandoned.isEmpty { summary += ", \(result.abandoned.count) abandoned" }
        if !result.skipped.isEmpty { summary += ", \(result.skipped.count) skipped" }
        if !result.notStarted.isEmpty { summary += ", \(result.notStarted.count) not started" }
        if result.succeeded {
            output.print(style.green("\(verb) complete!") + " Resources: \(summary).")
            if !plan.options.destroy { OutputCommand.printAll(result.state, output: output) }
            return
        }
        for failure in result.failures { output.error(style.red("Error: ") + "\(failure.address): \(failure.message)") }
        for address in result.tainted {
            output.error(style.yellow("Tainted: ") + "\(address) exists but is not as described; the next apply replaces or finishes it.")
        }
        if !result.abandoned.isEmpty {
            output.error(
                style.yellow("Abandoned: ") + result.abandoned.map(\.description).joined(separator: ", ")
                    + ". Their intents are saved; the next run reads what they made and adopts it.")
        }
        let reason = result.interrupted ? "interrupted" : "failed"
        output.error(style.red("\(verb) \(reason).") + " Resources: \(summary). State is saved.")
        throw ExitCode.failure
    }
}

/// Turns executor events into progress lines ("vm.x: creating… [10s elapsed]").
enum ProgressFormatter {
    static func line(for event: ExecutionEvent, style: TerminalStyle) -> String {
        switch event {
        case .started(let address, let action):
            return "\(style.bold(address.description)): \(action.progressive)…"
        case .stillRunning(let address, let action, let elapsed):
            return "\(style.bold(address.description)): \(action.progressive)… [\(seconds(elapsed)) elapsed]"
        case .message(let address, let message):
            return "\(style.bold(address.description)): \(message)"
        case .finished(let address, let action, let elapsed):
            return "\(style.bold(address.description)): \(action == .delete ? "destroyed" : "done") after \(seconds(elapsed))"
        case .failed(let address, _, let message):
            return style.red("\(address): failed: \(message)")
        case .skipped(let address, let upstream):
            return style.yellow("\(address): skipped because \(upstream) failed")
        case .stopping(let running):
            let waiting = running.isEmpty ? "" : " Waiting for: " + running.map(\.description).joined(separator: ", ") + "."
            return style.yellow(
                "Stop requested: no new operation starts; running ones finish and state is saved.\(waiting) "
                    + "Signal again to abandon them (the next run adopts what they made).")
        case .abandoning(let running):
            return style.yellow("Second stop: abandoning " + running.map(\.description).joined(separator: ", ") + "; saving state.")
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let components = duration.components
        let total = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return total >= 10 ? "\(Int(total))s" : String(format: "%.1fs", total)
    }
}
