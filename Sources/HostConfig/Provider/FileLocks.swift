/// Serializes work on one file of one host: two items that edit the same file (a `Line` being
/// changed while another is removed) would otherwise lose each other's read-modify-write.
actor FileLocks {
    private var tails: [String: Task<Void, Never>] = [:]

    func run<T: Sendable>(_ key: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tails[key]
        let task = Task { () async throws -> T in
            await previous?.value
            return try await body()
        }
        tails[key] = Task { _ = try? await task.value }
        return try await task.value
    }
}
