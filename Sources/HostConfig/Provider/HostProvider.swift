import Crypto
import Foundation
import HomelabCore
import SSH

/// The `host` provider: host items applied over SSH, each reading the real host for refresh and
/// drift. Built so far: the host itself, `File`, `Line` and `Command`. The other items (packages,
/// services, sysctls, kernel modules) fail with "not available yet" (issue #4).
public final class HostProvider: Provider {
    public let name = "host"
    private let connections: HostConnections
    private let fileLocks = FileLocks()

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        connections = HostConnections(environment: environment)
    }

    public func read(_ request: ReadRequest) async throws -> ReadResponse {
        let ssh = try await connections.connection(for: request.resource)
        switch request.resource.type.name {
        case Host.type.name: return ReadResponse(attributes: request.attributes)
        case HostTypes.file.name:
            let attributes = request.attributes
            return ReadResponse(
                attributes: try await locked(request.resource, attributes) { try await FileItem.read(attributes, ssh: ssh) })
        case HostTypes.command.name: return ReadResponse(attributes: try await CommandItem.read(request.attributes, ssh: ssh))
        case HostTypes.line.name:
            let attributes = request.attributes
            return ReadResponse(
                attributes: try await locked(request.resource, attributes) { try await LineItem.read(attributes, ssh: ssh) })
        default: throw notYet("read", request.resource)
        }
    }

    public func create(_ request: CreateRequest) async throws -> CreateResponse {
        CreateResponse(attributes: try await apply(request.attributes, request.resource))
    }

    public func update(_ request: UpdateRequest) async throws -> UpdateResponse {
        UpdateResponse(attributes: try await apply(request.attributes, request.resource))
    }

    private func apply(_ desired: Value, _ resource: ResourceContext) async throws -> Value {
        let ssh = try await connections.connection(for: resource)
        switch resource.type.name {
        case Host.type.name: return desired
        case HostTypes.file.name: return try await locked(resource, desired) { try await FileItem.write(desired, ssh: ssh) }
        case HostTypes.command.name: return try await CommandItem.run(desired, ssh: ssh)
        case HostTypes.line.name: return try await locked(resource, desired) { try await LineItem.write(desired, ssh: ssh) }
        default: throw notYet("apply", resource)
        }
    }

    public func delete(_ request: DeleteRequest) async throws -> DeleteResponse {
        switch request.resource.type.name {
        case Host.type.name, HostTypes.command.name:
            return DeleteResponse()  // nothing on the host to undo
        case HostTypes.file.name:
            let ssh = try await connections.connection(for: request.resource)
            let prior = request.prior
            try await locked(request.resource, prior) { try await FileItem.remove(prior, ssh: ssh) }
            return DeleteResponse()
        case HostTypes.line.name:
            let ssh = try await connections.connection(for: request.resource)
            let prior = request.prior
            try await locked(request.resource, prior) { try await LineItem.remove(prior, ssh: ssh) }
            return DeleteResponse()
        default:
            throw notYet("delete", request.resource)
        }
    }

    public func importResource(_ request: ImportRequest) async throws -> ImportResponse {
        throw notYet("import", request.resource)
    }

    /// Runs `body` alone for the file the item edits.
    private func locked<T: Sendable>(_ resource: ResourceContext, _ attributes: Value, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T
    {
        let key = "\(String(describing: resource.configuration))|\(attributes["path"]?.stringValue ?? "")"
        return try await fileLocks.run(key, body)
    }

    private func notYet(_ operation: String, _ resource: ResourceContext) -> ProviderError {
        .notAvailable(provider: name, operation: "\(operation) \(resource.address)", issue: 4)
    }
}

/// A file with exact content, mode and owner. Drift is found by hash; small files are read back
/// so the plan shows what changed.
enum FileItem {
    static func read(_ prior: Value, ssh: SSHConnection) async throws -> Value? {
        let path = try prior.requireString("path")
        let stat = try await ssh.execute(ShellCommand("stat", "-c", "%a %U", "--", path))
        guard stat.succeeded else { return nil }
        let fields = stat.standardOutput.split(separator: " ")
        let mode = String(repeating: "0", count: max(0, 4 - (fields.first?.count ?? 0))) + (fields.first.map(String.init) ?? "")
        let owner = fields.count > 1 ? fields[1].trimmingCharacters(in: .whitespacesAndNewlines) : ""
        let sum = try await ssh.execute(ShellCommand("sha256sum", "--", path)).standardOutput.prefix(64)
        var content = prior["content"] ?? .null
        if let expected = prior["content"]?.stringValue, String(sum) != digest(expected) {
            let size =
                Int(
                    try await ssh.execute(ShellCommand("stat", "-c", "%s", "--", path)).standardOutput.trimmingCharacters(
                        in: .whitespacesAndNewlines)) ?? 0
            content =
                size <= 65536
                ? .string(String(decoding: try await ssh.download(path), as: UTF8.self)) : .string("(changed on the host: sha256 \(sum))")
        }
        return prior.replacing(["mode": .string(mode), "owner": .string(owner), "content": content])
    }

    static func write(_ desired: Value, ssh: SSHConnection) async throws -> Value {
        let path = try desired.requireString("path")
        let mode = Int(try desired.requireString("mode"), radix: 8) ?? 0o644
        let owner = desired["owner"]?.stringValue
        try await ssh.upload(Array(try desired.requireString("content").utf8), to: path, mode: mode, owner: owner)
        guard let written = try await read(desired, ssh: ssh) else { throw ProviderError.failed("\(path) vanished after it was written") }
        return written
    }

    static func remove(_ prior: Value, ssh: SSHConnection) async throws {
        let path = try prior.requireString("path")
        let result = try await ssh.execute(ShellCommand("rm", "-f", "--", path))
        if !result.succeeded { throw ProviderError.failed("cannot remove \(path): \(result.standardError)") }
    }

    static func digest(_ text: String) -> String { SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined() }
}

/// A command run from an argument list. With guards it is re-checked on every plan: it counts as
/// done while `creates` exists, while `unless` succeeds, or while `onlyIf` fails, and runs again
/// otherwise. Without guards it runs once, when created or changed.
enum CommandItem {
    static func read(_ prior: Value, ssh: SSHConnection) async throws -> Value? {
        let guarded = prior["creates"]?.stringValue != nil || prior["unless"]?.arrayValue != nil || prior["onlyIf"]?.arrayValue != nil
        guard guarded else { return prior }
        return try await isSatisfied(prior, ssh: ssh) ? prior : nil
    }

    static func run(_ desired: Value, ssh: SSHConnection) async throws -> Value {
        if try await isSatisfied(desired, ssh: ssh) { return desired }
        let arguments = strings(desired["arguments"])
        let result = try await ssh.execute(ShellCommand(arguments))
        guard result.succeeded else {
            let tail = result.standardError.split(separator: "\n").suffix(5).joined(separator: "\n")
            throw ProviderError.failed("`\(ShellCommand(arguments).line)` exited \(result.exitStatus): \(tail)")
        }
        return desired
    }

    /// Whether a guard says there is nothing to do.
    private static func isSatisfied(_ attributes: Value, ssh: SSHConnection) async throws -> Bool {
        if let creates = attributes["creates"]?.stringValue, try await ssh.execute(ShellCommand("test", "-e", creates)).succeeded {
            return true
        }
        if attributes["unless"]?.arrayValue != nil, try await ssh.execute(ShellCommand(strings(attributes["unless"]))).succeeded {
            return true
        }
        if attributes["onlyIf"]?.arrayValue != nil, try await !ssh.execute(ShellCommand(strings(attributes["onlyIf"]))).succeeded {
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
