import Foundation
import HomelabCore
import SSH

/// `Line` over SSH: the file is read, the line found or placed, and the file written back
/// atomically with its mode and owner kept.
enum LineItem: HostItem {
    static let type = HostTypes.line
    static func editedFile(_ attributes: LineAttributes) -> String? { attributes.path }

    static func read(_ prior: LineAttributes, on host: HostSession) async throws -> LineAttributes? {
        guard let lines = try await contents(prior, host: host)?.lines, let index = try match(prior, in: lines) else { return nil }
        var real = prior
        real.line = lines[index]
        return real
    }

    static func apply(_ desired: LineAttributes, prior: LineAttributes?, on host: HostSession) async throws -> LineAttributes {
        let (path, line) = (desired.path, desired.line)
        let existing = try await contents(desired, host: host)
        var lines = existing?.lines ?? []
        if let index = try match(desired, in: lines) { lines[index] = line } else { lines.append(line) }
        let text = lines.joined(separator: "\n") + "\n"
        try await host.write(Array(text.utf8), to: path, mode: existing?.mode ?? 0o644, owner: existing?.owner)
        return desired
    }

    static func remove(_ prior: LineAttributes, on host: HostSession) async throws {
        guard let existing = try await contents(prior, host: host) else { return }
        let expression = try pattern(prior)
        let kept = existing.lines.filter { !matches($0, expression, exact: prior.line) }
        guard kept.count != existing.lines.count else { return }
        let text = kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n"
        try await host.write(Array(text.utf8), to: prior.path, mode: existing.mode, owner: existing.owner)
    }

    /// The file's lines, mode and owner, or nil when it does not exist.
    private static func contents(_ attributes: LineAttributes, host: HostSession) async throws -> (
        lines: [String], mode: Int, owner: String
    )? {
        let path = attributes.path
        let stat = try await host.check(ShellCommand("stat", "-c", "%a %U", "--", path))
        guard stat.succeeded else { return nil }
        let fields = stat.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        let text = String(decoding: try await host.read(path), as: UTF8.self)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return (lines, Int(fields.first ?? "644", radix: 8) ?? 0o644, fields.count > 1 ? String(fields[1]) : "root")
    }

    private static func pattern(_ attributes: LineAttributes) throws -> NSRegularExpression? {
        guard let matching = attributes.matching else { return nil }
        return try NSRegularExpression(pattern: matching)
    }

    private static func matches(_ candidate: String, _ expression: NSRegularExpression?, exact: String?) -> Bool {
        guard let expression else { return candidate == exact }
        return expression.firstMatch(in: candidate, range: NSRange(candidate.startIndex..., in: candidate)) != nil
    }

    private static func match(_ attributes: LineAttributes, in lines: [String]) throws -> Int? {
        let expression = try pattern(attributes)
        return lines.firstIndex { matches($0, expression, exact: attributes.line) }
    }
}
