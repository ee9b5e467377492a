import Foundation
import HomelabKit
import Synchronization

/// Keeps `HostsRecord`s as `IP NAME` lines in one file: reads the file for refresh, so editing
/// the file by hand shows up as drift in the plan. A provider made of one typed handler.
public final class HostsFileProvider: HandlerProvider<HostsFile>, @unchecked Sendable {
    public init(path: String) {
        let file = HostsFile(path: path)
        super.init(name: "hosts", handlers: [HostsRecordHandler.self]) { _ in file }
    }
}

/// The file the records live in: what the handler is handed for every operation.
public final class HostsFile: Sendable {
    public let path: String
    private let lock = Mutex(())

    init(path: String) { self.path = path }

    func entries() -> [String: String] {
        lock.withLock { _ in parse() }
    }

    private func parse() -> [String: String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var entries: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { entries[String(parts[1])] = String(parts[0]) }
        }
        return entries
    }

    func modify(_ change: (inout [String: String]) -> Void) throws {
        try lock.withLock { _ in
            var current = parse()
            change(&current)
            let text = current.keys.sorted().map { "\(current[$0] ?? "") \($0)\n" }.joined()
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}

/// One record's operations, on its typed attributes.
enum HostsRecordHandler: ResourceHandler {
    static let type = HostsRecord.type

    static func read(_ request: TypedRead<HostsRecordAttributes>, using file: HostsFile) async throws -> HostsRecordAttributes? {
        file.entries()[request.prior.name].map { HostsRecordAttributes(name: request.prior.name, ip: $0) }
    }

    static func create(_ request: TypedCreate<HostsRecordAttributes>, using file: HostsFile) async throws -> HostsRecordAttributes {
        try file.modify { $0[request.desired.name] = request.desired.ip }
        return request.desired
    }

    static func update(_ request: TypedUpdate<HostsRecordAttributes>, using file: HostsFile) async throws -> HostsRecordAttributes {
        try file.modify { $0[request.desired.name] = request.desired.ip }
        return request.desired
    }

    static func delete(_ request: TypedDelete<HostsRecordAttributes>, using file: HostsFile) async throws {
        try file.modify { $0[request.prior.name] = nil }
    }

    static func importResource(_ request: TypedImport<HostsRecordAttributes>, using file: HostsFile) async throws
        -> HostsRecordAttributes?
    {
        file.entries()[request.id].map { HostsRecordAttributes(name: request.id, ip: $0) }
    }
}
