import Dispatch

/// Runs blocking work (waiting for a child process, reading its pipe) on a dispatch thread, so
/// Swift's cooperative pool, which in-process simulators and the executor run on, never stalls.
public func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
