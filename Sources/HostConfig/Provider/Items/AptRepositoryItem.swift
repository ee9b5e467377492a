import Foundation
import HomelabCore
import SSH

/// `AptRepository`: the key and the one-line list file written, then only this source refreshed.
enum AptRepositoryItem: HostItem {
    static let type = HostTypes.aptRepository

    static func read(_ prior: Value, on host: HostSession) async throws -> Value? {
        let list = try prior.requireString("list")
        let keyring = try prior.requireString("keyring")
        let listed = try await host.check(ShellCommand("cat", "--", list))
        guard listed.succeeded else { return nil }
        var key = prior["key"] ?? .null
        if key["armored"] != nil || key["url"] != nil {
            let stored = try await host.check(ShellCommand("cat", "--", keyring))
            if !stored.succeeded {
                key = "(missing)"
            } else if key["armored"]?.stringValue.map({ $0 != stored.standardOutput }) == true {
                key = ["armored": .string(stored.standardOutput)]
            }
        }
        return prior.replacing(["source": .string(listed.standardOutput.trimmingCharacters(in: .newlines)), "key": key])
    }

    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value {
        let list = try desired.requireString("list")
        let keyring = try desired.requireString("keyring")
        try await host.run(ShellCommand("mkdir", "-p", "-m", "0755", "/etc/apt/keyrings"))
        if let armored = desired["key"]?["armored"]?.stringValue {
            try await host.write(Array(armored.utf8), to: keyring, mode: 0o644)
        } else if let url = desired["key"]?["url"]?.stringValue {
            try await host.run(ShellCommand("curl", "-fsSL", "--retry", "3", "-o", keyring, "--", url))
            try await host.run(ShellCommand("chmod", "0644", keyring))
        }
        try await host.write(Array((try desired.requireString("source") + "\n").utf8), to: list, mode: 0o644)
        // Refresh this source alone: the others may be unreachable, and are not ours to refresh.
        try await host.run(
            ShellCommand(
                "apt-get", "update", "-q", "-o", "Dir::Etc::sourcelist=\(list)", "-o", "Dir::Etc::sourceparts=-",
                "-o", "APT::Get::List-Cleanup=0"))
        return desired
    }

    static func remove(_ prior: Value, on host: HostSession) async throws {
        try await host.run(ShellCommand("rm", "-f", "--", try prior.requireString("list"), try prior.requireString("keyring")))
    }
}
