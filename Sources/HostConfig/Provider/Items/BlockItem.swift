import Foundation
import HomelabCore
import SSH

/// `Block` over SSH: the lines between `# BEGIN HOMELABKIT <name>` and `# END HOMELABKIT <name>`.
enum BlockItem: HostItem {
    static let type = HostTypes.block
    static func editedFile(_ attributes: BlockAttributes) -> String? { attributes.path }

    static func read(_ prior: BlockAttributes, on host: HostSession) async throws -> BlockAttributes? {
        guard let file = try await contents(prior, on: host), let range = find(prior, in: file.lines) else { return nil }
        let inner = file.lines[(range.lowerBound + 1)..<range.upperBound]
        var real = prior
        real.content = inner.map { $0 + "\n" }.joined()
        return real
    }

    static func apply(_ desired: BlockAttributes, prior: BlockAttributes?, on host: HostSession) async throws -> BlockAttributes {
        let file = try await contents(desired, on: host)
        var lines = file?.lines ?? []
        let (begin, end) = markers(desired)
        // Built step by step: one `[a] + … + [b]` expression took 300 ms to type-check.
        let content: String = desired.content
        var block: [String] = [begin]
        block.append(contentsOf: content.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init))
        block.append(end)
        if let range = find(desired, in: lines) {
            lines.replaceSubrange(range.lowerBound...range.upperBound, with: block)
        } else {
            lines += block
        }
        try await write(lines, desired, mode: file?.mode, on: host)
        return desired
    }

    static func remove(_ prior: BlockAttributes, on host: HostSession) async throws {
        guard var lines = try await contents(prior, on: host)?.lines, let range = find(prior, in: lines) else { return }
        lines.removeSubrange(range.lowerBound...range.upperBound)
        try await write(lines, prior, mode: nil, on: host)
    }

    private static func markers(_ attributes: BlockAttributes) -> (String, String) {
        let (comment, name) = (attributes.comment, attributes.name)
        return ("\(comment) BEGIN HOMELABKIT \(name)", "\(comment) END HOMELABKIT \(name)")
    }

    /// The indices of the begin and end markers.
    private static func find(_ attributes: BlockAttributes, in lines: [String]) -> ClosedRange<Int>? {
        let (begin, end) = markers(attributes)
        guard let start = lines.firstIndex(of: begin), let stop = lines[start...].firstIndex(of: end) else { return nil }
        return start...stop
    }

    private static func contents(_ attributes: BlockAttributes, on host: HostSession) async throws -> (lines: [String], mode: Int)? {
        let path = attributes.path
        let stat = try await host.check(ShellCommand("stat", "-c", "%a", "--", path))
        guard stat.succeeded else { return nil }
        var lines = String(decoding: try await host.read(path), as: UTF8.self).components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return (lines, Int(stat.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines), radix: 8) ?? 0o644)
    }

    private static func write(_ lines: [String], _ attributes: BlockAttributes, mode: Int?, on host: HostSession) async throws {
        let text = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        try await host.write(Array(text.utf8), to: attributes.path, mode: mode ?? 0o644)
    }
}
