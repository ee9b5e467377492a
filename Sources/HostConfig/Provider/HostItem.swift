import Foundation
import HomelabCore
import SSH

/// The attributes of one kind of host item: the struct its declaration compiles, the plan diffs
/// and its handler reads back. Every item belongs to a host.
public protocol HostItemAttributes: Codable, Sendable, Equatable {
    var host: String { get set }
}

/// How the `host` provider applies one kind of item: read the host, converge it, undo it.
protocol HostItem: Sendable {
    associatedtype Attributes: HostItemAttributes
    static var type: ResourceType { get }
    /// The item as it is on the host, or nil when it is absent.
    static func read(_ prior: Attributes, on host: HostSession) async throws -> Attributes?
    static func apply(_ desired: Attributes, prior: Attributes?, on host: HostSession) async throws -> Attributes
    static func remove(_ prior: Attributes, on host: HostSession) async throws
    /// The file the item edits, if any: edits of one file are serialized.
    static func editedFile(_ attributes: Attributes) -> String?
}

extension HostItem {
    static func editedFile(_ attributes: Attributes) -> String? { nil }
}

/// A ``HostItem`` as a handler of the `host` provider: a sealed machine is not dialled, and edits
/// of one file are serialized.
enum HostItemHandler<Item: HostItem>: ResourceHandler {
    static var type: ResourceType { Item.type }

    static func read(_ request: TypedRead<Item.Attributes>, using host: HostSession) async throws -> Item.Attributes? {
        if host.sealed { return request.prior }
        return try await host.editing(Item.editedFile(request.prior)) { try await Item.read(request.prior, on: host) }
    }

    static func create(_ request: TypedCreate<Item.Attributes>, using host: HostSession) async throws -> Item.Attributes {
        try await host.editing(Item.editedFile(request.desired)) { try await Item.apply(request.desired, prior: nil, on: host) }
    }

    static func update(_ request: TypedUpdate<Item.Attributes>, using host: HostSession) async throws -> Item.Attributes {
        try await host.editing(Item.editedFile(request.desired)) {
            try await Item.apply(request.desired, prior: request.prior, on: host)
        }
    }

    static func delete(_ request: TypedDelete<Item.Attributes>, using host: HostSession) async throws {
        if host.sealed { return }
        try await host.editing(Item.editedFile(request.prior)) { try await Item.remove(request.prior, on: host) }
    }
}

/// What an item works with: its host's shared connection (opened on first use, so a sealed build
/// machine is never dialled), and a way to replace it (after a reboot).
public struct HostSession: Sendable {
    let connection: @Sendable () async throws -> SSHConnection
    let reconnect: @Sendable () async throws -> SSHConnection
    /// Commands and writes go through `sudo -n` (a login user other than root).
    let become: Bool
    /// A build machine sealed after its items ran (a template): nothing to read or undo.
    let sealed: Bool
    /// Serializes edits of one file of this host.
    let fileLocks: FileLocks
    let hostKey: String

    /// A session over `settings`, sharing its connection through `cache`, becoming root with sudo
    /// when `become` (a login user other than root).
    public static func connecting(_ settings: SSHConfiguration, become: Bool, cache: ClientCache<SSHConnection>) -> HostSession {
        connecting(
            settings, key: "\(settings.user)@\(settings.host):\(settings.port)", become: become, sealed: false, fileLocks: FileLocks(),
            cache: cache)
    }

    static func connecting(
        _ settings: SSHConfiguration, key: String, become: Bool, sealed: Bool, fileLocks: FileLocks, cache: ClientCache<SSHConnection>
    ) -> HostSession {
        HostSession(
            connection: { try await cache.client(for: key) { try await SSHConnection.connect(settings) } },
            reconnect: {
                let fresh = try await SSHConnection.connect(settings)
                cache.replace(key, with: fresh)
                return fresh
            },
            become: become, sealed: sealed, fileLocks: fileLocks, hostKey: key)
    }

    /// Runs `command` (through sudo when becoming root) and returns what it did, whatever its exit status.
    public func check(_ command: ShellCommand) async throws -> SSHExecResult {
        try await connection().execute(become ? command.sudo() : command)
    }

    /// A file's bytes (read through `sudo cat` when becoming root: the login user may not read it).
    public func read(_ path: String) async throws -> [UInt8] {
        become ? try await run(ShellCommand("cat", "--", path)).stdout : try await connection().download(path)
    }

    /// Writes a file atomically with its mode and owner.
    public func write(_ bytes: [UInt8], to path: String, mode: Int, owner: String? = nil) async throws {
        try await connection().upload(bytes, to: path, mode: mode, owner: owner, asRoot: become)
    }

    /// Runs `body` alone among the items editing `file` on this host.
    func editing<T: Sendable>(_ file: String?, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let file else { return try await body() }
        return try await fileLocks.run("\(hostKey)|\(file)", body)
    }

    /// Runs `command` and fails, naming it and the end of its stderr, unless it exits 0.
    @discardableResult
    public func run(_ command: ShellCommand, input: [UInt8]? = nil) async throws -> SSHExecResult {
        let result = try await connection().execute(become ? command.sudo() : command, input: input)
        guard result.succeeded else {
            let tail = (result.standardError.isEmpty ? result.standardOutput : result.standardError)
                .split(separator: "\n").suffix(5).joined(separator: "\n")
            throw ProviderError.failed("`\(command.line)` exited \(result.exitStatus): \(tail)")
        }
        return result
    }

    /// Trimmed stdout of a command that must succeed.
    public func output(_ command: ShellCommand) async throws -> String {
        try await run(command).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
