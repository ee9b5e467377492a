import Foundation
import HomelabSandbox
import Synchronization

/// Your own description, applied in the sandbox from your tests: its executable (the one that
/// calls `HomelabCommand.main(lab:)`) runs with `--sandbox` in a folder of its own, as a user
/// would run it, and ``records`` reads back what the simulated Proxmox, machines and Kubernetes
/// API hold afterwards. Needs root, as the sandbox does.
///
/// ```swift
/// @Test func myLabComesUp() async throws {
///     let lab = try SandboxedLab(executable: SandboxedLab.product("MyHomelab"))
///     let apply = try await lab.apply()
///     #expect(apply.status == 0, "\(apply.output)")
///     #expect(try lab.records.proxmoxVMs(host: "192.168.10.2")[200]?.config["cores"] == "4")
///     #expect(try await lab.plan().output.contains("No changes."))
///     #expect(try await lab.destroy().status == 0)
/// }
/// ```
public final class SandboxedLab: Sendable {
    public let executable: String
    /// The folder the executable runs in; its sandbox is `.homelab/sandbox` there.
    public let directory: String
    /// Added to every run's environment (what your description reads, such as a changed value).
    public let environment: [String: String]
    /// The pids of the runs started so far, whose temporary files ``leftovers(_:)`` looks for.
    private let started = Mutex<[pid_t]>([])

    public init(executable: String, environment: [String: String] = [:]) throws {
        self.executable = executable
        self.environment = environment
        directory = try ScratchSpace.directory("sandboxed-lab")
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// An executable product of your package, built beside the test bundle by `swift test` (make
    /// it a dependency of the test target).
    public static func product(_ name: String) -> String {
        var folder = Bundle.main.bundleURL
        if folder.pathExtension == "xctest" || !FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
            folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        }
        return folder.appendingPathComponent(name).path
    }

    /// What the sandbox holds now.
    public var records: SandboxRecords { SandboxRecords(directory: directory + "/.homelab/sandbox") }

    public struct Run: Sendable {
        public var status: Int32
        /// Standard output and standard error, in order.
        public var output: String
    }

    public func apply(environment: [String: String] = [:]) async throws -> Run {
        try await run(["apply", "--sandbox", "--auto-approve"], environment: environment)
    }

    /// `plan --sandbox --detailed-exitcode`: status 0 with no changes, 2 with changes.
    public func plan(environment: [String: String] = [:]) async throws -> Run {
        try await run(["plan", "--sandbox", "--detailed-exitcode"], environment: environment)
    }

    public func destroy(environment: [String: String] = [:]) async throws -> Run {
        try await run(["destroy", "--sandbox", "--auto-approve"], environment: environment)
    }

    /// Runs the executable with `arguments` (add `--sandbox` yourself) to its end. Another
    /// `executable` (an edited build of your description) runs against the same sandbox.
    public func run(_ arguments: [String], executable: String? = nil, environment: [String: String] = [:]) async throws -> Run {
        let (command, variables) = (self.command(arguments, executable: executable), self.variables(environment))
        let log = directory + "/run-\(UUID().uuidString).log"
        return try await offCooperativePool {
            defer { try? FileManager.default.removeItem(atPath: log) }
            let pid = try Spawn.start("/usr/bin/env", command, outputPath: log, environment: variables)
            self.started.withLock { $0.append(pid) }
            let status = Spawn.wait(pid)
            return Run(status: status, output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
    }

    /// Runs the executable with `arguments` and sends it `signal` (SIGKILL unless told) as soon as
    /// its output shows `marker` (or after `timeout`); returns what it printed until it ended and
    /// how it ended: status -1 when the signal killed it, its own exit status when it ended first
    /// (no signal is sent then) or exited on the signal by itself. With SIGINT or SIGTERM the run
    /// stops as after Ctrl-C: its running operations finish, and it removes its sandbox before it
    /// exits (status 1).
    public func kill(
        _ arguments: [String], at marker: String, signal: Int32 = SIGKILL, timeout: Duration = .seconds(120),
        environment: [String: String] = [:]
    ) async throws -> Run {
        let (command, variables, log) = (self.command(arguments), self.variables(environment), directory + "/killed.log")
        let deadline = ContinuousClock.now + timeout
        return try await offCooperativePool {
            let pid = try Spawn.start("/usr/bin/env", command, outputPath: log, environment: variables)
            self.started.withLock { $0.append(pid) }
            var output = ""
            while !output.contains(marker) && ContinuousClock.now < deadline {
                // A run that ends before its marker or deadline is not signalled: it ran to the end.
                if let ended = Spawn.ended(pid) {
                    return Run(status: ended, output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? output)
                }
                usleep(20_000)
                output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            }
            Foundation.kill(pid, signal)
            let ended = Spawn.wait(pid)
            return Run(status: ended, output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? output)
        }
    }

    /// What of the sandbox is still on the machine after a command ended: the lab namespaces its
    /// `outputs` named, processes running from this folder (machines), and the temporary files of
    /// the runs this lab started that have ended (a killed run's are removed by the next run).
    public func leftovers(_ outputs: [String]) -> [String] {
        let namespaces = outputs.flatMap { output in
            output.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("hklab") }
                .map { String($0).trimmingCharacters(in: .punctuationCharacters) }
        }
        var found = Set(namespaces).filter { FileManager.default.fileExists(atPath: "/run/netns/\($0)") }.map { "namespace \($0)" }
        for process in ProcessTable.commandLines() where process.command.contains(directory) {
            found.append("process \(process.pid): \(process.command.replacingOccurrences(of: "\0", with: " "))")
        }
        for run in started.withLock({ $0 }) where Foundation.kill(run, 0) != 0 {
            found += TemporaryFiles.owned(by: run).map { "temporary file \($0) of run \(run)" }
        }
        return found.sorted()
    }

    private func command(_ arguments: [String], executable: String? = nil) -> [String] {
        ["-C", directory, executable ?? self.executable] + arguments + ["--no-color"]
    }

    private func variables(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(environment) { _, new in new }.merging(extra) { _, new in new }
    }
}
