import Foundation
import HomelabCore
import SSH

/// How the `host` provider applies one kind of item: read the host, converge it, undo it.
protocol HostItem: Sendable {
    static var type: ResourceType { get }
    /// The item as it is on the host, or nil when it is absent.
    static func read(_ prior: Value, on host: HostSession) async throws -> Value?
    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value
    static func remove(_ prior: Value, on host: HostSession) async throws
    /// The file the item edits, if any: edits of one file are serialized.
    static func editedFile(_ attributes: Value) -> String?
}

extension HostItem {
    static func editedFile(_ attributes: Value) -> String? { nil }
}

/// What an item works with: its host's shared connection, and a way to replace it (after a reboot).
struct HostSession: Sendable {
    let ssh: SSHConnection
    let reconnect: @Sendable () async throws -> SSHConnection
    /// Commands and writes go through `sudo -n` (a login user other than root).
    let become: Bool

    /// Runs `command` (through sudo when becoming root) and returns what it did, whatever its exit status.
    func check(_ command: ShellCommand) async throws -> SSHExecResult { try await ssh.execute(become ? command.sudo() : command) }

    /// A file's bytes (read through `sudo cat` when becoming root: the login user may not read it).
    func read(_ path: String) async throws -> [UInt8] {
        become ? try await run(ShellCommand("cat", "--", path)).stdout : try await ssh.download(path)
    }

    /// Writes a file atomically with its mode and owner.
    func write(_ bytes: [UInt8], to path: String, mode: Int, owner: String? = nil) async throws {
        try await ssh.upload(bytes, to: path, mode: mode, owner: owner, asRoot: become)
    }

    /// Runs `command` and fails, naming it and the end of its stderr, unless it exits 0.
    @discardableResult
    func run(_ command: ShellCommand, input: [UInt8]? = nil) async throws -> SSHExecResult {
        let result = try await ssh.execute(become ? command.sudo() : command, input: input)
        guard result.succeeded else {
            let tail = (result.standardError.isEmpty ? result.standardOutput : result.standardError)
                .split(separator: "\n").suffix(5).joined(separator: "\n")
            throw ProviderError.failed("`\(command.line)` exited \(result.exitStatus): \(tail)")
        }
        return result
    }

    /// Trimmed stdout of a command that must succeed.
    func output(_ command: ShellCommand) async throws -> String {
        try await run(command).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
