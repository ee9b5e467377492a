import Synchronization

/// One client per provider configuration, made on first use and shared by every resource of that
/// configuration. Concurrent first uses share one attempt; a failed attempt is not kept, so the
/// next resource tries again.
public final class ClientCache<Client: Sendable>: Sendable {
    private let clients = Mutex<[String: Task<Client, any Error>]>([:])
    private let made = Mutex<[Client]>([])

    public init() {}

    public func client(for key: String, make: @escaping @Sendable () async throws -> Client) async throws -> Client {
        let task = clients.withLock { clients in
            if let existing = clients[key] { return existing }
            let task = Task { [self] in
                let client = try await make()
                self.made.withLock { $0.append(client) }
                return client
            }
            clients[key] = task
            return task
        }
        do {
            return try await task.value
        } catch {
            clients.withLock { clients in
                if clients[key] == task { clients[key] = nil }
            }
            throw error
        }
    }

    /// Replaces the client of `key` (a host's connection after it rebooted).
    public func replace(_ key: String, with client: Client) {
        clients.withLock { $0[key] = Task { client } }
    }

    /// Every client made so far (for counters such as a benchmark's request count).
    public var all: [Client] { made.withLock { $0 } }
}
