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

/// A file with exact content, mode and owner. Drift is found by hash; small files are read back
/// so the plan shows what changed.
enum FileItem: HostItem {
    static let type = HostTypes.file
    static func editedFile(_ attributes: Value) -> String? { attributes["path"]?.stringValue }
    static func read(_ prior: Value, on host: HostSession) async throws -> Value? { try await read(prior, host: host) }
    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value {
        try await write(desired, host: host)
    }
    static func remove(_ prior: Value, on host: HostSession) async throws { try await remove(prior, host: host) }

    static func read(_ prior: Value, host: HostSession) async throws -> Value? {
        let path = try prior.requireString("path")
        let stat = try await host.check(ShellCommand("stat", "-c", "%a %U", "--", path))
        guard stat.succeeded else { return nil }
        let fields = stat.standardOutput.split(separator: " ")
        let mode = String(repeating: "0", count: max(0, 4 - (fields.first?.count ?? 0))) + (fields.first.map(String.init) ?? "")
        let owner = fields.count > 1 ? fields[1].trimmingCharacters(in: .whitespacesAndNewlines) : ""
        let sum = try await host.check(ShellCommand("sha256sum", "--", path)).standardOutput.prefix(64)
        var content = prior["content"] ?? .null
        if let expected = prior["content"]?.stringValue, String(sum) != digest(expected) {
            let size =
                Int(
                    try await host.check(ShellCommand("stat", "-c", "%s", "--", path)).standardOutput.trimmingCharacters(
                        in: .whitespacesAndNewlines)) ?? 0
            content =
                size <= 65536
                ? .string(String(decoding: try await host.read(path), as: UTF8.self)) : .string("(changed on the host: sha256 \(sum))")
        }
        return prior.replacing(["mode": .string(mode), "owner": .string(owner), "content": content])
    }

    static func write(_ desired: Value, host: HostSession) async throws -> Value {
        let path = try desired.requireString("path")
        let mode = Int(try desired.requireString("mode"), radix: 8) ?? 0o644
        let owner = desired["owner"]?.stringValue
        try await host.write(Array(try desired.requireString("content").utf8), to: path, mode: mode, owner: owner)
        guard let written = try await read(desired, host: host) else { throw ProviderError.failed("\(path) vanished after it was written") }
        return written
    }

    static func remove(_ prior: Value, host: HostSession) async throws {
        let path = try prior.requireString("path")
        let result = try await host.check(ShellCommand("rm", "-f", "--", path))
        if !result.succeeded { throw ProviderError.failed("cannot remove \(path): \(result.standardError)") }
    }

    static func digest(_ text: String) -> String { ContentDigest.sha256(text) }
}

/// A command run from an argument list. With guards it is re-checked on every plan: it counts as
/// done while `creates` exists, while `unless` succeeds, or while `onlyIf` fails, and runs again
/// otherwise. Without guards it runs once, when created or changed.
enum CommandItem: HostItem {
    static let type = HostTypes.command
    static func read(_ prior: Value, on host: HostSession) async throws -> Value? { try await read(prior, host: host) }
    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value { try await run(desired, host: host) }
    /// A command cannot be undone; removing it from the description forgets it.
    static func remove(_ prior: Value, on host: HostSession) async throws {}

    static func read(_ prior: Value, host: HostSession) async throws -> Value? {
        let guarded = prior["creates"]?.stringValue != nil || prior["unless"]?.arrayValue != nil || prior["onlyIf"]?.arrayValue != nil
        guard guarded else { return prior }
        return try await isSatisfied(prior, host: host) ? prior : nil
    }

    static func run(_ desired: Value, host: HostSession) async throws -> Value {
        if try await isSatisfied(desired, host: host) { return desired }
        let arguments = strings(desired["arguments"])
        let result = try await host.check(ShellCommand(arguments))
        guard result.succeeded else {
            let tail = result.standardError.split(separator: "\n").suffix(5).joined(separator: "\n")
            throw ProviderError.failed("`\(ShellCommand(arguments).line)` exited \(result.exitStatus): \(tail)")
        }
        return desired
    }

    /// Whether a guard says there is nothing to do.
    private static func isSatisfied(_ attributes: Value, host: HostSession) async throws -> Bool {
        if let creates = attributes["creates"]?.stringValue, try await host.check(ShellCommand("test", "-e", creates)).succeeded {
            return true
        }
        if attributes["unless"]?.arrayValue != nil, try await host.check(ShellCommand(strings(attributes["unless"]))).succeeded {
            return true
        }
        if attributes["onlyIf"]?.arrayValue != nil, try await !host.check(ShellCommand(strings(attributes["onlyIf"]))).succeeded {
            return true
        }
        return false
    }

    private static func strings(_ value: Value?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }
}

extension Value {
    func requireString(_ key: String) throws -> String {
        guard let value = self[key]?.stringValue else { throw ProviderError.failed("attribute '\(key)' is missing") }
        return value
    }

    func replacing(_ members: [String: Value]) -> Value {
        .object((objectValue ?? [:]).merging(members) { _, new in new })
    }
}
