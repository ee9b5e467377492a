import Foundation
import HomelabCore
import SSH

/// A file with exact content, mode and owner. Drift is found by hash; small files are read back
/// so the plan shows what changed.
enum FileItem: HostItem {
    static let type = HostTypes.file
    static func editedFile(_ attributes: Value) -> String? { attributes["path"]?.stringValue }

    static func read(_ prior: Value, on host: HostSession) async throws -> Value? {
        let path = try prior.requireString("path")
        let stat = try await host.check(ShellCommand("stat", "-c", "%a %U", "--", path))
        guard stat.succeeded else { return nil }
        let fields = stat.standardOutput.split(separator: " ")
        let mode = String(repeating: "0", count: max(0, 4 - (fields.first?.count ?? 0))) + (fields.first.map(String.init) ?? "")
        let owner = fields.count > 1 ? fields[1].trimmingCharacters(in: .whitespacesAndNewlines) : ""
        let sum = try await host.check(ShellCommand("sha256sum", "--", path)).standardOutput.prefix(64)
        var content = prior["content"] ?? .null
        if let expected = prior["content"]?.stringValue, String(sum) != ContentDigest.sha256(expected) {
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

    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value {
        let path = try desired.requireString("path")
        let mode = Int(try desired.requireString("mode"), radix: 8) ?? 0o644
        let owner = desired["owner"]?.stringValue
        try await host.write(Array(try desired.requireString("content").utf8), to: path, mode: mode, owner: owner)
        guard let written = try await read(desired, on: host) else { throw ProviderError.failed("\(path) vanished after it was written") }
        return written
    }

    static func remove(_ prior: Value, on host: HostSession) async throws {
        let path = try prior.requireString("path")
        let result = try await host.check(ShellCommand("rm", "-f", "--", path))
        if !result.succeeded { throw ProviderError.failed("cannot remove \(path): \(result.standardError)") }
    }

}
