import Foundation
import HomelabCore
import SSH

/// `Sysctl`: the running value (`sysctl -n`) and the `key = value` line in its file.
enum SysctlItem: HostItem {
    static let type = HostTypes.sysctl
    static func editedFile(_ attributes: SysctlAttributes) -> String? { attributes.file }

    static func read(_ prior: SysctlAttributes, on host: HostSession) async throws -> SysctlAttributes? {
        let current = try await host.check(ShellCommand("sysctl", "-n", prior.key))
        guard current.succeeded else { return nil }
        var real = prior
        real.value = normalized(current.standardOutput)
        real.persisted = try await LineItem.read(line(prior), on: host)?.line == line(prior).line
        return real
    }

    static func apply(_ desired: SysctlAttributes, prior: SysctlAttributes?, on host: HostSession) async throws -> SysctlAttributes {
        try await host.run(ShellCommand("sysctl", "-q", "-w", "\(desired.key)=\(desired.value)"))
        _ = try await LineItem.apply(line(desired), prior: nil, on: host)
        return desired
    }

    /// Removal drops the persisted line; the running value stays until the next boot, as with Ansible.
    static func remove(_ prior: SysctlAttributes, on host: HostSession) async throws {
        try await LineItem.remove(line(prior), on: host)
    }

    private static func line(_ attributes: SysctlAttributes) -> LineAttributes {
        let escaped = attributes.key.replacingOccurrences(of: ".", with: "\\.")
        return LineAttributes(
            host: attributes.host, path: attributes.file, line: "\(attributes.key) = \(attributes.value)",
            matching: "^\\s*\(escaped)\\s*=")
    }

    /// `sysctl -n` separates multi-value entries with tabs; the description uses spaces.
    private static func normalized(_ text: String) -> String {
        text.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "\n" }).joined(separator: " ")
    }
}
