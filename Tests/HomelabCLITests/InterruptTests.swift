import Foundation
import HomelabKit
import HomelabKitTesting
import Testing

/// Sends real signals to a real `apply` process (the `SlowLab` fixture: 20 resources whose
/// operations take SLOWLAB_LATENCY_MS each) and checks issue #10's promise: SIGINT, SIGTERM and
/// SIGHUP stop new work at once and save; a second signal abandons running operations, whose
/// intents the next run resolves; a signal during refresh exits cleanly and releases the lock.
@Suite struct InterruptTests {
    /// The fixture sits next to the test bundle in `.build/<configuration>/`.
    static var fixture: URL {
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" || !FileManager.default.fileExists(atPath: directory.appendingPathComponent("SlowLab").path)
        {
            directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        }
        return directory.appendingPathComponent("SlowLab")
    }

    /// A scratch state directory, removed afterwards.
    private static func withStateDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = NSTemporaryDirectory() + "homelab-interrupt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory + "/state.json")
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalStopsNewWorkAndSavesState(_ signal: Int32) async throws {
        try await Self.withStateDirectory { statePath in
            // 2 s operations, two at a time: a loaded machine still signals long before the end.
            // Signalled by a thread that reads the output from the start, the moment it shows an
            // operation starting: the test's own task may wait long for a turn on a busy
            // cooperative pool (in a full test run, SlowLab had ended before it got one).
            let run = try await SlowLabRun.start(
                ["apply", "--auto-approve", "--parallelism", "2", "--state", statePath], latencyMS: 2_000,
                signal: (signal, onceOutputShows: "creating…"))
            #expect(try await run.signalled(), "the run was still going when its output showed an operation starting")
            // What the kernel says about the process's signals and threads just after: in rare CI
            // runs the signal had no effect, and this tells where it stopped.
            try await Task.sleep(for: .milliseconds(300))
            let signals = run.signalDisposition()
            let finished = try await run.finish()
            let text = finished.text
            #expect(finished.reason == .exit, "the process must exit on its own, not die from the signal")
            #expect(finished.status == 1, "after the signal:\n\(signals)")
            #expect(text.contains("Stop requested: no new operation starts"))
            #expect(text.contains("not started"))

            // The operations that were running finished and were saved; the rest never started.
            let state = try #require(try FileStateStorage(path: statePath).load())
            let started = text.components(separatedBy: "creating…").count - 1
            #expect(state.resources.count >= 1 && state.resources.count < 20, "output:\n\(text)")
            #expect(state.resources.count == started, "every operation that started finished and was saved")
            #expect(state.pendingOperations.isEmpty)
        }
    }

    @Test func theStopIsAcknowledgedAtOnceAndASecondOneAbandons() async throws {
        try await Self.withStateDirectory { statePath in
            // Operations of 60 s: the acknowledgement and the abandon must not wait for them. The
            // bounds are far below the operations' length so that a loaded CI machine does not matter.
            let run = try await SlowLabRun.start(
                ["apply", "--auto-approve", "--parallelism", "2", "--state", statePath], latencyMS: 60_000)
            _ = try await run.waitFor("creating…")
            try await Task.sleep(for: .milliseconds(200))
            let signalled = ContinuousClock.now
            run.send(SIGINT)
            _ = try await run.waitFor("Stop requested")
            let acknowledged = ContinuousClock.now - signalled
            #expect(acknowledged < .seconds(20), "acknowledged after \(acknowledged)")
            run.send(SIGTERM)
            let finished = try await run.finish()
            let exited = ContinuousClock.now - signalled
            #expect(exited < .seconds(40), "a second signal must not wait for 60 s operations (exited after \(exited))")
            #expect(finished.reason == .exit && finished.status == 1)
            #expect(finished.text.contains("Abandoned: "), "\(finished.text)")

            // Their intents are saved; the next run resolves them and converges.
            let state = try #require(try FileStateStorage(path: statePath).load())
            #expect(state.pendingOperations.count == 2, "\(state.pendingOperations)")
            let rerun = try await SlowLabRun.start(["apply", "--auto-approve", "--state", statePath], latencyMS: 0)
            let converged = try await rerun.finish()
            #expect(converged.status == 0, "\(converged.text)")
            let final = try #require(try FileStateStorage(path: statePath).load())
            #expect(final.resources.count == 20 && final.pendingOperations.isEmpty)
        }
    }

    /// The crash campaigns' kill inside an operation (`HOMELAB_CRASH_INSIDE=<provider>:<ms>`): the
    /// process dies that long after its first operation of the provider began, with that operation
    /// pending and nothing after it started; the next run resolves it and converges.
    @Test func aCrashPointInsideAnOperationKillsThereAndTheNextRunConverges() async throws {
        try await Self.withStateDirectory { statePath in
            let run = try await SlowLabRun.start(
                ["apply", "--auto-approve", "--parallelism", "1", "--state", statePath], latencyMS: 5_000,
                environment: ["HOMELAB_CRASH_INSIDE": "\(DataResource.type.provider):500"])
            let killed = try await run.finish()
            #expect(killed.reason == .uncaughtSignal && killed.status == SIGKILL, "\(killed.text)")
            #expect(killed.text.contains("data.r0: creating…") && !killed.text.contains("done after"), "\(killed.text)")
            let state = try #require(try FileStateStorage(path: statePath).load())
            #expect(state.resources.isEmpty)
            #expect(state.pendingOperations.map(\.address.description) == ["data.r0"])

            let rerun = try await SlowLabRun.start(["apply", "--auto-approve", "--state", statePath], latencyMS: 0)
            #expect(try await rerun.finish().status == 0)
            let final = try #require(try FileStateStorage(path: statePath).load())
            #expect(final.resources.count == 20 && final.pendingOperations.isEmpty)
        }
    }

    /// (e): a holder killed with SIGKILL frees the lock at once, and of six runs started together
    /// exactly one holds it; the others are refused and name it.
    @Test func aKilledHolderFreesTheLockAndOnlyOneOfSixRacersTakesIt() async throws {
        try await Self.withStateDirectory { statePath in
            let holder = try await SlowLabRun.start(["apply", "--auto-approve", "--state", statePath], latencyMS: 5_000)
            _ = try await holder.waitFor("creating…")
            holder.send(SIGKILL)
            _ = try await holder.finish()
            var racers: [SlowLabRun] = []
            for _ in 0..<6 {
                racers.append(try await SlowLabRun.start(["apply", "--auto-approve", "--state", statePath], latencyMS: 1_000))
            }
            var outcomes: [(text: String, reason: Process.TerminationReason, status: Int32)] = []
            for racer in racers { outcomes.append(try await racer.finish()) }
            let winners = outcomes.filter { $0.status == 0 }
            let refused = outcomes.filter { $0.status == 1 && $0.text.contains("is locked:") }
            #expect(winners.count == 1 && refused.count == 5, "\(outcomes.map { "\($0.status): \($0.text.suffix(300))" })")
            let state = try #require(try FileStateStorage(path: statePath).load())
            #expect(state.resources.count == 20 && state.pendingOperations.isEmpty)
        }
    }

    @Test func aSignalDuringRefreshExitsCleanlyAndReleasesTheLock() async throws {
        try await Self.withStateDirectory { statePath in
            let setup = try await SlowLabRun.start(["apply", "--auto-approve", "--state", statePath], latencyMS: 0)
            #expect(try await setup.finish().status == 0)
            // Reads of 60 s: the refresh is still running when the signal comes.
            let run = try await SlowLabRun.start(["plan", "--state", statePath], latencyMS: 60_000)
            try await Task.sleep(for: .seconds(1))
            let signalled = ContinuousClock.now
            run.send(SIGINT)
            let finished = try await run.finish()
            #expect(ContinuousClock.now - signalled < .seconds(40), "the refresh's 60 s reads must not be waited for")
            #expect(finished.reason == .exit && finished.status == 1)
            #expect(finished.text.contains("interrupted while reading the real objects; nothing was changed"), "\(finished.text)")
            let storage = FileStateStorage(path: statePath)
            let lock = try storage.lock(operation: "check")
            try storage.unlock(lock)
            #expect(try #require(try storage.load()).resources.count == 20)
        }
    }
}

/// A running SlowLab whose output is read as it comes, off the cooperative pool (reads block).
final class SlowLabRun: @unchecked Sendable {
    private let process: Process
    private let output: Pipe
    private var text = ""
    private let signalSent = DispatchSemaphore(value: 0)
    private var runningWhenSignalled = false

    private init(process: Process, output: Pipe) {
        self.process = process
        self.output = output
    }

    static func start(
        _ arguments: [String], latencyMS: Int, environment: [String: String] = [:],
        signal: (number: Int32, onceOutputShows: String)? = nil
    ) async throws -> SlowLabRun {
        let process = Process()
        process.executableURL = InterruptTests.fixture
        process.arguments = arguments + ["--no-color"]
        process.environment = ProcessInfo.processInfo.environment.merging(
            environment.merging(["SLOWLAB_LATENCY_MS": String(latencyMS)]) { _, new in new }
        ) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let run = SlowLabRun(process: process, output: output)
        if let signal {
            Thread.detachNewThread {
                run.read(until: signal.onceOutputShows)
                run.runningWhenSignalled = process.isRunning
                if run.runningWhenSignalled { kill(process.processIdentifier, signal.number) }
                run.signalSent.signal()
            }
        }
        return run
    }

    /// Reads until `marker` appears (or the output ends); returns everything read so far.
    func waitFor(_ marker: String) async throws -> String {
        try await offCooperativePool { () throws -> String in
            self.read(until: marker)
            return self.text
        }
    }

    /// Reads (blocking) until `marker` appears or the output ends.
    private func read(until marker: String) {
        while !text.contains(marker) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
    }

    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// With `signal` given to ``start``: waits for its thread to have sent it, and returns whether
    /// the process was still running then. Call before reading any output.
    func signalled() async throws -> Bool {
        try await offCooperativePool { () -> Bool in
            self.signalSent.wait()
            return self.runningWhenSignalled
        }
    }

    /// The process's pending, blocked and caught signals, and each thread's state and mask.
    func signalDisposition() -> String {
        let proc = "/proc/\(process.processIdentifier)"
        let status = (try? String(contentsOfFile: proc + "/status", encoding: .utf8)) ?? ""
        var lines = status.split(separator: "\n").filter { $0.hasPrefix("Sig") || $0.hasPrefix("ShdPnd") }.map(String.init)
        for task in (try? FileManager.default.contentsOfDirectory(atPath: proc + "/task")) ?? [] {
            let path = "\(proc)/task/\(task)"
            let name = (try? String(contentsOfFile: path + "/comm", encoding: .utf8)) ?? ""
            let waiting = (try? String(contentsOfFile: path + "/wchan", encoding: .utf8)) ?? ""
            let mask = ((try? String(contentsOfFile: path + "/status", encoding: .utf8)) ?? "").split(separator: "\n")
                .filter { $0.hasPrefix("SigBlk") || $0.hasPrefix("SigPnd") }.joined(separator: " ")
            lines.append("thread \(task) \(name.trimmingCharacters(in: .whitespacesAndNewlines)) in \(waiting): \(mask)")
        }
        return lines.joined(separator: "\n")
    }

    func finish() async throws -> (text: String, reason: Process.TerminationReason, status: Int32) {
        try await offCooperativePool { () throws -> (String, Process.TerminationReason, Int32) in
            self.text += String(decoding: self.output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            self.process.waitUntilExit()
            return (self.text, self.process.terminationReason, self.process.terminationStatus)
        }
    }
}
