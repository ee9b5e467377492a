import Crypto
import Foundation
import HomelabCore
import SSH

/// The `host` provider: host items applied over SSH, each reading the real host for refresh and
/// drift. One connection per host is shared by its items; edits of one file are serialized.
public final class HostProvider: HandlerProvider<HostSession>, @unchecked Sendable {
    /// Every kind of host item.
    static let items: [any ResourceHandler<HostSession>.Type] = [
        HostItself.self, HostItemHandler<FileItem>.self, HostItemHandler<LineItem>.self,
        HostItemHandler<CommandItem>.self, HostItemHandler<PackageItem>.self, HostItemHandler<AptRepositoryItem>.self,
        HostItemHandler<SysctlItem>.self, HostItemHandler<KernelModuleItem>.self, HostItemHandler<ServiceItem>.self,
        HostItemHandler<UserItem>.self, HostItemHandler<GroupItem>.self, HostItemHandler<RebootItem>.self,
        HostItemHandler<BlockItem>.self,
    ]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let connections = ClientCache<SSHConnection>()
        let fileLocks = FileLocks()
        super.init(
            name: "host", handlers: Self.items,
            connect: { resource in
                guard let configuration = resource.configuration else {
                    throw ProviderError.failed("\(resource.address) has no host to connect to")
                }
                return HostSession.connecting(
                    try SSHSettings.of(configuration, environment: environment), key: String(describing: configuration),
                    become: configuration["become"]?.boolValue ?? false, sealed: configuration["refresh"]?.boolValue == false,
                    fileLocks: fileLocks, cache: connections)
            },
            check: { request in
                // A sealed build machine is reached by the template's own steps, not checked here.
                guard request.configuration["refresh"]?.boolValue != false else { return }
                try Self.check(try SSHSettings.of(request.configuration, environment: environment))
            }
        )
    }

    /// What connecting needs before any change: a readable private key (the passphrase, if any,
    /// was resolved while reading the settings), for the host and each jump host.
    private static func check(_ settings: SSHConfiguration) throws {
        if case .privateKey(let path, _) = settings.authentication, !FileManager.default.isReadableFile(atPath: path) {
            throw ProviderError.failed("the SSH key \(path) for \(settings.user)@\(settings.host) cannot be read")
        }
        for jump in settings.jumpHosts { try check(jump) }
    }
}

/// The `Host` resource itself: connecting is its whole check.
enum HostItself: ResourceHandler {
    static let type = Host.type
    static func read(_ request: TypedRead<HostAttributes>, using host: HostSession) async throws -> HostAttributes? {
        if !host.sealed { _ = try await host.connection() }
        return request.prior
    }
    static func create(_ request: TypedCreate<HostAttributes>, using host: HostSession) async throws -> HostAttributes {
        _ = try await host.connection()
        return request.desired
    }
    static func update(_ request: TypedUpdate<HostAttributes>, using host: HostSession) async throws -> HostAttributes {
        _ = try await host.connection()
        return request.desired
    }
    static func delete(_ request: TypedDelete<HostAttributes>, using host: HostSession) async throws {}
}
