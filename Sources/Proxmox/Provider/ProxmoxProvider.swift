import Foundation
import HTTP
import HomelabCore
import Synchronization

/// The `proxmox` provider: nodes, bridges, storages, PCI mappings, templates and VMs through the
/// Proxmox VE API. One ``ProxmoxClient`` per configured endpoint, made on first use.
public final class ProxmoxProvider: Provider {
    public let name = "proxmox"
    private let environment: [String: String]
    private let clientOptions: ProxmoxClient.Options
    private let clients = Mutex<[String: ProxmoxClient]>([:])

    /// - Parameter environment: where `.environment(...)` secrets are read (the process's by default).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, clientOptions: ProxmoxClient.Options = .init()) {
        self.environment = environment
        self.clientOptions = clientOptions
    }

    /// Every request sent so far, over all endpoints (for benchmarks).
    public var requestCount: Int { clients.withLock { $0.values.reduce(0) { $0 + $1.requestCount } } }

    func client(for context: ResourceContext) throws -> ProxmoxClient {
        try client(configuration: context.configuration, of: context.address.description)
    }

    /// The client of one configuration (endpoint, token reference, TLS), made once and shared.
    private func client(configuration: Value?, of user: String) throws -> ProxmoxClient {
        guard let configuration, let endpoint = configuration["endpoint"]?.stringValue else {
            throw ProviderError.failed("\(user) has no Proxmox endpoint configured")
        }
        let key = "\(endpoint)|\(configuration["token"]?.stringValue ?? "")|\(String(describing: configuration["tls"]))"
        if let client = clients.withLock({ $0[key] }) { return client }
        guard let reference = configuration["token"]?.stringValue.flatMap(SecretReference.init(parsing:)) else {
            throw ProviderError.failed("the Proxmox token of \(endpoint) must be .environment(\"NAME\") or .file(\"PATH\")")
        }
        let token = try reference.resolve(environment: environment)
        guard token.contains("@"), token.contains("!"), token.contains("=") else {
            // Never echo the value: it may be a real secret in the wrong shape.
            throw ProviderError.failed("the Proxmox API token from \(reference) is not of the form USER@REALM!TOKENID=SECRET")
        }
        let client = try ProxmoxClient(endpoint: endpoint, token: token, tls: Self.tls(configuration["tls"]), options: clientOptions)
        return clients.withLock { clients in
            if let existing = clients[key] { return existing }
            clients[key] = client
            return client
        }
    }

    /// The token resolves and has PVE's shape, and a CA file is readable: what every request needs.
    public func checkConfiguration(_ request: CheckConfigurationRequest) async throws {
        _ = try client(configuration: request.configuration, of: request.key)
        if let path = request.configuration["tls"]?["caFile"]?.stringValue, !FileManager.default.isReadableFile(atPath: path) {
            throw ProviderError.failed("the CA file \(path) cannot be read")
        }
    }

    static func tls(_ value: Value?) -> TLSOptions {
        if let object = value?.objectValue {
            if let path = object["caFile"]?.stringValue { return TLSOptions(trust: .caFile(path)) }
            if let pem = object["caPEM"]?.stringValue { return TLSOptions(trust: .caPEM(pem)) }
            if let pin = object["pinnedKey"]?.stringValue { return TLSOptions(trust: .pinnedPublicKey(pin)) }
        }
        return value?.stringValue == "insecure" ? TLSOptions(trust: .insecure) : TLSOptions(trust: .system)
    }

    private func resource(_ type: ResourceType) throws -> any ProxmoxResource.Type {
        switch type.name {
        case ProxmoxTypes.vm.name: return VMResource.self
        case ProxmoxTypes.node.name: return NodeResource.self
        case ProxmoxTypes.bridge.name: return BridgeResource.self
        case ProxmoxTypes.storage.name: return StorageResource.self
        case ProxmoxTypes.pciMapping.name: return PCIMappingResource.self
        case ProxmoxTypes.template.name: return TemplateResource.self
        case ProxmoxTypes.templateSeal.name: return TemplateSealResource.self
        default: throw ProviderError.failed("the proxmox provider has no resource type \(type.name)")
        }
    }

    public func read(_ request: ReadRequest) async throws -> ReadResponse {
        let api = try client(for: request.resource)
        return ReadResponse(attributes: try await resource(request.resource.type).read(request.attributes, api: api))
    }

    public func create(_ request: CreateRequest) async throws -> CreateResponse {
        let api = try client(for: request.resource)
        return CreateResponse(
            attributes: try await resource(request.resource.type).create(
                request.attributes, api: api, progress: request.progress, created: request.created))
    }

    public func update(_ request: UpdateRequest) async throws -> UpdateResponse {
        let api = try client(for: request.resource)
        let attributes = try await resource(request.resource.type).update(
            from: request.prior,
            to: request.attributes,
            changed: Set(request.changedAttributes),
            api: api,
            progress: request.progress
        )
        return UpdateResponse(attributes: attributes)
    }

    public func delete(_ request: DeleteRequest) async throws -> DeleteResponse {
        let api = try client(for: request.resource)
        try await resource(request.resource.type).delete(request.prior, api: api, progress: request.progress)
        return DeleteResponse()
    }

    public func importResource(_ request: ImportRequest) async throws -> ImportResponse {
        let api = try client(for: request.resource)
        let type = try resource(request.resource.type)
        guard let attributes = try await type.importResource(id: request.id, desired: request.desired ?? .object([:]), api: api) else {
            throw ProviderError.failed(
                "\(request.resource.address): no \(request.resource.type.name) '\(request.id)' exists on \(api.baseURL)")
        }
        return ImportResponse(attributes: attributes)
    }
}

/// One Proxmox resource type's operations. Attributes in and out are those the declaration
/// compiles to, so the planner can diff them directly.
protocol ProxmoxResource {
    static func read(_ prior: Value, api: ProxmoxClient) async throws -> Value?
    static func create(
        _ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        created: @escaping @Sendable (Value) throws -> Void
    ) async throws -> Value
    static func update(
        from prior: Value, to desired: Value, changed: Set<String>, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    )
        async throws -> Value
    static func delete(_ prior: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws
    /// `id` is the provider's own identifier (`node/vmid`, `node/vmbr0`, ...).
    static func importResource(id: String, desired: Value, api: ProxmoxClient) async throws -> Value?
}

extension ProxmoxAPIError {
    var isNotFound: Bool { kind == .notFound }
}

extension ProxmoxClient {
    /// A read where "does not exist" is an answer, not an error.
    func getIfPresent(_ path: String) async throws -> Value? {
        do {
            return try await get(path)
        } catch let error as ProxmoxAPIError where error.isNotFound {
            return nil
        }
    }

    /// A delete where "already gone" counts as done. Returns whether there was something to delete.
    func deleteIfPresent(_ path: String) async throws -> Bool {
        do {
            try await delete(path)
            return true
        } catch let error as ProxmoxAPIError where error.isNotFound {
            return false
        }
    }
}

extension Value {
    /// PVE answers numbers as numbers or strings, booleans as 0/1 or "" (decode leniently).
    var lenientInt: Int? {
        switch unwrappedSensitive {
        case .int(let int): return int
        case .string(let string): return Int(string)
        case .double(let double): return Int(double)
        case .bool(let bool): return bool ? 1 : 0
        default: return nil
        }
    }

    var lenientString: String? {
        switch unwrappedSensitive {
        case .string(let string): return string
        case .int(let int): return String(int)
        default: return nil
        }
    }
}

/// A PVE property string (`virtio=BC:24:11:2E:C5:4A,bridge=vmbr0,firewall=1`) as ordered pairs;
/// an item without `=` is the default key's value.
struct PropertyString {
    var items: [(key: String?, value: String)]

    init(_ text: String) {
        items = text.split(separator: ",").map { item in
            let pair = item.split(separator: "=", maxSplits: 1)
            return pair.count == 2 ? (String(pair[0]), String(pair[1])) : (nil, String(item))
        }
    }

    subscript(key: String) -> String? { items.first { $0.key == key }?.value }
    var defaultValue: String? { items.first { $0.key == nil }?.value }
}
