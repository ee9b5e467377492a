import Foundation
import HomelabKit
import HomelabKitTesting
import Testing

/// Sends a real SIGINT to a real `apply` process (the `SlowLab` fixture: 20 resources, 300 ms
/// each, parallelism 2) and checks the promise of issue #2: no new operation starts, running ones
/// finish, state is saved, and the exit code says the apply did not complete.
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

    @Test func ctrlCStopsNewWorkAndSavesState() async throws {
        let directory = NSTemporaryDirectory() + "homelab-interrupt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let statePath = directory + "/state.json"

        // The child is driven off the cooperative pool: its reads and waits block.
        let fixture = Self.fixture
        let (text, reason, status) = try await offCooperativePool { () throws -> (String, Process.TerminationReason, Int32) in
            let process = Process()
            process.executableURL = fixture
            process.arguments = ["apply", "--auto-approve", "--parallelism", "2", "--state", statePath]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            // Wait until the first operations have started, then interrupt.
            var text = ""
            while !text.contains("creating…") {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            kill(process.processIdentifier, SIGINT)
            text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (text, process.terminationReason, process.terminationStatus)
        }
        #expect(text.contains("creating…"), "the fixture exited before starting any operation: \(text)")
        #expect(reason == .exit, "the process must exit on its own, not die from the signal")
        #expect(status == 1)
        #expect(text.contains("Stop requested: no new operation starts"))
        #expect(text.contains("not started"))

        // The operations that were running finished and were saved; the rest never started.
        let state = try FileStateStorage(path: statePath).load()
        let saved = try #require(state).resources.count
        let started = text.components(separatedBy: "creating…").count - 1
        #expect(saved >= 1 && saved < 20, "saved \(saved) of 20; output:\n\(text)")
        #expect(saved == started, "every operation that started finished and was saved")
        #expect(try #require(state).pendingOperations.isEmpty)
    }
}
