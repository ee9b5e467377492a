import Foundation
import HomelabKit
import Synchronization

/// Keeps `HostsRecord`s as `IP NAME` lines in one file: reads the file for refresh, so editing
/// the file by hand shows up as drift in the plan.
public final class HostsFileProvider: Provider {
    public let name = "hosts"
    public let path: String
    private let lock = Mutex(())

    public init(path: String) { self.path = path }

    private func entries() -> [String: String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var entries: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { entries[String(parts[1])] = String(parts[0]) }
        }
        return entries
    }

    private func write(_ entries: [String: String]) throws {
        let text = entries.keys.sorted().map { "\(entries[$0] ?? "") \($0)\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func modify(_ change: (inout [String: String]) -> Void) throws {
        try lock.withLock { _ in
            var current = entries()
            change(&current)
            try write(current)
        }
    }

    private static func name(_ attributes: Value) throws -> String {
        guard let name = attributes["name"]?.stringValue else { throw ProviderError.failed("a hosts record needs a name") }
        return name
    }

    public func read(_ request: ReadRequest) async throws -> ReadResponse {
        let name = try Self.name(request.attributes)
        guard let ip = lock.withLock({ _ in entries()[name] }) else { return ReadResponse(attributes: nil) }
        return ReadResponse(attributes: ["name": .string(name), "ip": .string(ip)])
    }

    public func create(_ request: CreateRequest) async throws -> CreateResponse {
        let name = try Self.name(request.attributes)
        let ip = request.attributes["ip"]?.stringValue ?? ""
        try modify { $0[name] = ip }
        return CreateResponse(attributes: request.attributes)
    }

    public func update(_ request: UpdateRequest) async throws -> UpdateResponse {
        let name = try Self.name(request.attributes)
        let ip = request.attributes["ip"]?.stringValue ?? ""
        try modify { $0[name] = ip }
        return UpdateResponse(attributes: request.attributes)
    }

    public func delete(_ request: DeleteRequest) async throws -> DeleteResponse {
        let name = try Self.name(request.prior)
        try modify { $0[name] = nil }
        return DeleteResponse()
    }

    public func importResource(_ request: ImportRequest) async throws -> ImportResponse {
        guard let ip = lock.withLock({ _ in entries()[request.id] }) else {
            throw ProviderError.failed("no record named \(request.id) in \(path)")
        }
        return ImportResponse(attributes: ["name": .string(request.id), "ip": .string(ip)])
    }
}
