import Foundation
import HomelabCore
import SSH

/// A file with exact content, mode and owner. Drift is found by hash; small files are read back
/// so the plan shows what changed.
enum FileItem: HostItem {
    static let type = HostTypes.file
    static func editedFile(_ attributes: FileAttributes) -> String? { attributes.path }

    static func read(_ prior: FileAttributes, on host: HostSession) async throws -> FileAttributes? {
        let path = prior.path
        let stat = try await host.check(ShellCommand("stat", "-c", "%a %U", "--", path))
        guard stat.succeeded else { return nil }
        let fields = stat.standardOutput.split(separator: " ")
        let mode = String(repeating: "0", count: max(0, 4 - (fields.first?.count ?? 0))) + (fields.first.map(String.init) ?? "")
        let owner = fields.count > 1 ? fields[1].trimmingCharacters(in: .whitespacesAndNewlines) : ""
        let sum = try await host.check(ShellCommand("sha256sum", "--", path)).standardOutput.prefix(64)
        var real = prior
        if String(sum) != ContentDigest.sha256(prior.content) {
            let size =
                Int(
                    try await host.check(ShellCommand("stat", "-c", "%s", "--", path)).standardOutput.trimmingCharacters(
                        in: .whitespacesAndNewlines)) ?? 0
            real.content =
                size <= 65536 ? String(decoding: try await host.read(path), as: UTF8.self) : "(changed on the host: sha256 \(sum))"
        }
        real.mode = mode
        real.owner = owner
        return real
    }

    static func apply(_ desired: FileAttributes, prior: FileAttributes?, on host: HostSession) async throws -> FileAttributes {
        let path = desired.path
        let mode = Int(desired.mode, radix: 8) ?? 0o644
        try await host.write(Array(desired.content.utf8), to: path, mode: mode, owner: desired.owner)
        guard let written = try await read(desired, on: host) else { throw ProviderError.failed("\(path) vanished after it was written") }
        return written
    }

    static func remove(_ prior: FileAttributes, on host: HostSession) async throws {
        let path = prior.path
        let result = try await host.check(ShellCommand("rm", "-f", "--", path))
        if !result.succeeded { throw ProviderError.failed("cannot remove \(path): \(result.standardError)") }
    }

}
