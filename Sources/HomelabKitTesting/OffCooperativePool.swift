import Foundation

/// Runs blocking work (waiting for a child process, reading its pipe) on a thread of its own, so
/// Swift's cooperative pool, which in-process simulators and the executor run on, never stalls.
public func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        // A thread of its own: Dispatch's global queue keeps about one thread per core and adds
        // threads for blocked blocks only slowly, so under a full test run a blocking call queued
        // behind other tests' waited for seconds, long enough for a child process the test meant
        // to signal after its first line to finish before the test read that line.
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
