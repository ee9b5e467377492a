import Crypto
import Foundation
import HomelabCore
import SSH

/// The `host` provider: host items applied over SSH, each reading the real host for refresh and
/// drift. One connection per host is shared by its items; edits of one file are serialized.
public final class HostProvider: Provider {
    public let name = "host"
    private let connections: HostConnections
    private let fileLocks = FileLocks()

    /// Every kind of host item, by resource type name.
    static let items: [String: any HostItem.Type] = Dictionary(
        uniqueKeysWithValues: ([
            HostItself.self, FileItem.self, LineItem.self, CommandItem.self, PackageItem.self, AptRepositoryItem.self, SysctlItem.self,
            KernelModuleItem.self, ServiceItem.self, UserItem.self, GroupItem.self, RebootItem.self, BlockItem.self,
        ] as [any HostItem.Type]).map { ($0.type.name, $0) })

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        connections = HostConnections(environment: environment)
    }

    public func read(_ request: ReadRequest) async throws -> ReadResponse {
        if Self.isSealed(request.resource) { return ReadResponse(attributes: request.attributes) }
        let (item, host) = try await prepare(request.resource, "read")
        let prior = request.attributes
        return ReadResponse(attributes: try await locked(item, request.resource, prior) { try await item.read(prior, on: host) })
    }

    public func create(_ request: CreateRequest) async throws -> CreateResponse {
        let (item, host) = try await prepare(request.resource, "create")
        let desired = request.attributes
        return CreateResponse(
            attributes: try await locked(item, request.resource, desired) { try await item.apply(desired, prior: nil, on: host) })
    }

    public func update(_ request: UpdateRequest) async throws -> UpdateResponse {
        let (item, host) = try await prepare(request.resource, "update")
        let (desired, prior) = (request.attributes, request.prior)
        return UpdateResponse(
            attributes: try await locked(item, request.resource, desired) { try await item.apply(desired, prior: prior, on: host) })
    }

    public func delete(_ request: DeleteRequest) async throws -> DeleteResponse {
        if Self.isSealed(request.resource) { return DeleteResponse() }
        let (item, host) = try await prepare(request.resource, "delete")
        let prior = request.prior
        try await locked(item, request.resource, prior) { try await item.remove(prior, on: host) }
        return DeleteResponse()
    }

    public func importResource(_ request: ImportRequest) async throws -> ImportResponse {
        throw ProviderError.notAvailable(provider: name, operation: "import \(request.resource.address)", issue: 4)
    }

    /// A build machine that is sealed after its items ran (a template): nothing to read or undo.
    private static func isSealed(_ resource: ResourceContext) -> Bool { resource.configuration?["refresh"]?.boolValue == false }

    private func prepare(_ resource: ResourceContext, _ operation: String) async throws -> (any HostItem.Type, HostSession) {
        guard let item = Self.items[resource.type.name] else {
            throw ProviderError.failed("the host provider cannot \(operation) \(resource.address): unknown type \(resource.type.name)")
        }
        let ssh = try await connections.connection(for: resource)
        let connections = self.connections
        let become = resource.configuration?["become"]?.boolValue ?? false
        return (item, HostSession(ssh: ssh, reconnect: { try await connections.reconnect(for: resource) }, become: become))
    }

    /// Runs `body` alone for the file the item edits.
    private func locked<T: Sendable>(
        _ item: any HostItem.Type, _ resource: ResourceContext, _ attributes: Value, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard let file = item.editedFile(attributes) else { return try await body() }
        return try await fileLocks.run("\(String(describing: resource.configuration))|\(file)", body)
    }
}

/// The `Host` resource itself: connecting is its whole check.
enum HostItself: HostItem {
    static let type = Host.type
    static func read(_ prior: Value, on host: HostSession) async throws -> Value? { prior }
    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value { desired }
    static func remove(_ prior: Value, on host: HostSession) async throws {}
}
