import Foundation
import HTTP
import HomelabCore
import Synchronization

/// The `proxmox` provider: nodes, bridges, storages, PCI mappings, templates and VMs through the
/// Proxmox VE API. One ``ProxmoxClient`` per configured endpoint, made on first use.
public final class ProxmoxProvider: HandlerProvider<ProxmoxClient>, @unchecked Sendable {
    private let clients: ClientCache<ProxmoxClient>

    /// - Parameter environment: where `.environment(...)` secrets are read (the process's by default).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, clientOptions: ProxmoxClient.Options = .init()) {
        let clients = ClientCache<ProxmoxClient>()
        self.clients = clients
        super.init(
            name: "proxmox",
            handlers: [
                VMResource.self, NodeResource.self, BridgeResource.self, StorageResource.self, PCIMappingResource.self,
                TemplateResource.self, TemplateSealResource.self,
            ],
            connect: { resource in
                try await Self.client(
                    configuration: resource.configuration, of: resource.address.description, clients: clients, environment: environment,
                    options: clientOptions)
            },
            check: { request in
                _ = try await Self.client(
                    configuration: request.configuration, of: request.key, clients: clients, environment: environment,
                    options: clientOptions)
                if let path = request.configuration["tls"]?["caFile"]?.stringValue, !FileManager.default.isReadableFile(atPath: path) {
                    throw ProviderError.failed("the CA file \(path) cannot be read")
                }
            }
        )
    }

    /// Every request sent so far, over all endpoints (for benchmarks).
    public var requestCount: Int { clients.all.reduce(0) { $0 + $1.requestCount } }

    /// The client of one configuration (endpoint, token reference, TLS), made once and shared.
    /// Making it checks what every request needs: the token resolves and has PVE's shape.
    private static func client(
        configuration: Value?, of user: String, clients: ClientCache<ProxmoxClient>, environment: [String: String],
        options: ProxmoxClient.Options
    ) async throws -> ProxmoxClient {
        guard let configuration, let endpoint = configuration["endpoint"]?.stringValue else {
            throw ProviderError.failed("\(user) has no Proxmox endpoint configured")
        }
        let key = "\(endpoint)|\(configuration["token"]?.stringValue ?? "")|\(String(describing: configuration["tls"]))"
        return try await clients.client(for: key) {
            guard let reference = configuration["token"]?.stringValue.flatMap(SecretReference.init(parsing:)) else {
                throw ProviderError.failed("the Proxmox token of \(endpoint) must be .environment(\"NAME\") or .file(\"PATH\")")
            }
            let token = try reference.resolve(environment: environment)
            guard token.contains("@"), token.contains("!"), token.contains("=") else {
                // Never echo the value: it may be a real secret in the wrong shape.
                throw ProviderError.failed("the Proxmox API token from \(reference) is not of the form USER@REALM!TOKENID=SECRET")
            }
            return try ProxmoxClient(endpoint: endpoint, token: token, tls: Self.tls(configuration["tls"]), options: options)
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
