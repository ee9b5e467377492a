import Foundation
import HomelabCore
import SSH

/// `Sysctl`: the running value (`sysctl -n`) and the `key = value` line in its file.
enum SysctlItem: HostItem {
    static let type = HostTypes.sysctl
    static func editedFile(_ attributes: Value) -> String? { attributes["file"]?.stringValue }

    static func read(_ prior: Value, on host: HostSession) async throws -> Value? {
        let key = try prior.requireString("key")
        let current = try await host.check(ShellCommand("sysctl", "-n", key))
        guard current.succeeded else { return nil }
        let running = normalized(current.standardOutput)
        let persisted = try await LineItem.read(line(prior), on: host)?["line"]?.stringValue == (try line(prior).requireString("line"))
        return prior.replacing(["value": .string(running), "persisted": .bool(persisted)])
    }

    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value {
        let key = try desired.requireString("key")
        try await host.run(ShellCommand("sysctl", "-q", "-w", "\(key)=\(try desired.requireString("value"))"))
        _ = try await LineItem.apply(line(desired), prior: nil, on: host)
        return desired
    }

    /// Removal drops the persisted line; the running value stays until the next boot, as with Ansible.
    static func remove(_ prior: Value, on host: HostSession) async throws {
        try await LineItem.remove(line(prior), on: host)
    }

    private static func line(_ attributes: Value) throws -> Value {
        let key = try attributes.requireString("key")
        let escaped = key.replacingOccurrences(of: ".", with: "\\.")
        return [
            "path": .string(try attributes.requireString("file")), "line": .string("\(key) = \(try attributes.requireString("value"))"),
            "matching": .string("^\\s*\(escaped)\\s*="),
        ]
    }

    /// `sysctl -n` separates multi-value entries with tabs; the description uses spaces.
    private static func normalized(_ text: String) -> String {
        text.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "\n" }).joined(separator: " ")
    }
}
