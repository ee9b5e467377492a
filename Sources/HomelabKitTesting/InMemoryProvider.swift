import HomelabKit
import Synchronization

/// A provider that keeps objects in memory, for users' unit tests and the engine's own.
///
/// Every call is recorded; `failOn` makes chosen operations fail; `latency` makes them take time.
/// Objects can be changed behind the engine's back with ``setRemote(_:_:)`` to test drift.
public final class InMemoryProvider: Provider {
    public struct Call: Sendable, Hashable, CustomStringConvertible {
        public var operation: String
        public var address: ResourceAddress
        public var description: String { "\(operation) \(address)" }
    }

    public let name: String
    private let objects = Mutex<[ResourceAddress: Value]>([:])
    private let log = Mutex<[Call]>([])
    private let failures: Mutex<Set<String>>
    private let once = Mutex<Set<String>>([])
    private let halfCreates = Mutex<Set<ResourceAddress>>([])
    private let ignored = Mutex<[ResourceAddress: Set<String>]>([:])
    private let latency: Duration

    /// - Parameters:
    ///   - failOn: operations that throw, written `"create vm.web"`.
    ///   - latency: how long each operation takes.
    public init(name: String, failOn: Set<String> = [], latency: Duration = .zero) {
        self.name = name
        self.failures = Mutex(failOn)
        self.latency = latency
    }

    /// Every call so far, in order.
    public var calls: [Call] { log.withLock { $0 } }
    /// The objects as the "real" system holds them.
    public var remote: [ResourceAddress: Value] { objects.withLock { $0 } }

    public func setRemote(_ address: ResourceAddress, _ value: Value?) { objects.withLock { $0[address] = value } }
    public func failNext(_ operation: String) { _ = once.withLock { $0.insert(operation) } }
    /// The next create of `address` makes the object, reports it, then fails (like a VM whose
    /// clone succeeded and whose configuration was refused).
    public func failAfterCreating(_ address: ResourceAddress) { _ = halfCreates.withLock { $0.insert(address) } }
    /// Creates and updates of `address` silently leave `attribute` as it was (like a change a
    /// server queues as pending instead of applying it).
    public func ignoreWrites(of attribute: String, for address: ResourceAddress) {
        _ = ignored.withLock { $0[address, default: []].insert(attribute) }
    }

    private func applyingIgnored(_ value: Value, over existing: Value?, at address: ResourceAddress) -> Value {
        guard let skipped = ignored.withLock({ $0[address] }), var members = value.objectValue else { return value }
        for key in skipped { members[key] = existing?[key] }
        return .object(members)
    }

    private func record(_ operation: String, _ address: ResourceAddress) async throws {
        log.withLock { $0.append(Call(operation: operation, address: address)) }
        if latency > .zero { try await Task.sleep(for: latency) }
        // `failOn` fails every time; `failNext` once.
        if failures.withLock({ $0.contains("\(operation) \(address)") }) || once.withLock({ $0.remove("\(operation) \(address)") != nil }) {
            throw ProviderError.failed("injected failure: \(operation) \(address)")
        }
    }

    /// Fills unknown attributes the way a real provider would, deterministically.
    private static func resolve(_ value: Value, address: ResourceAddress) -> Value {
        switch value {
        case .unknown: return .string("computed-\(address.name)")
        case .sensitive(let inner): return .sensitive(resolve(inner, address: address))
        case .array(let items): return .array(items.map { resolve($0, address: address) })
        case .object(let members): return .object(members.mapValues { resolve($0, address: address) })
        default: return value
        }
    }

    public func read(_ request: ReadRequest) async throws -> ReadResponse {
        try await record("read", request.resource.address)
        return ReadResponse(attributes: objects.withLock { $0[request.resource.address] })
    }

    public func create(_ request: CreateRequest) async throws -> CreateResponse {
        let address = request.resource.address
        try await record("create", address)
        let created = applyingIgnored(Self.resolve(request.attributes, address: address), over: nil, at: address)
        try objects.withLock { objects in
            if objects[address] != nil { throw ProviderError.failed("\(address) already exists") }
            objects[address] = created
        }
        if halfCreates.withLock({ $0.remove(address) }) != nil {
            try request.created(created)
            throw ProviderError.failed("injected failure after creating \(address)")
        }
        return CreateResponse(attributes: created)
    }

    public func update(_ request: UpdateRequest) async throws -> UpdateResponse {
        let address = request.resource.address
        try await record("update", address)
        let existing = objects.withLock { $0[address] }
        var merged = existing?.objectValue ?? [:]
        for (key, value) in request.attributes.objectValue ?? [:] where !value.containsUnknown { merged[key] = value }
        let updated = applyingIgnored(.object(merged), over: existing, at: address)
        objects.withLock { $0[address] = updated }
        return UpdateResponse(attributes: updated)
    }

    public func delete(_ request: DeleteRequest) async throws -> DeleteResponse {
        let address = request.resource.address
        try await record("delete", address)
        objects.withLock { $0[address] = nil }
        return DeleteResponse()
    }

    public func importResource(_ request: ImportRequest) async throws -> ImportResponse {
        let address = request.resource.address
        try await record("import", address)
        guard let existing = objects.withLock({ $0[address] }) else {
            throw ProviderError.failed("no object with id \(request.id)")
        }
        return ImportResponse(attributes: existing)
    }
}
