import Foundation
import HomelabCore
import SSH

/// `AptRepository`: the key and the one-line list file written, then only this source refreshed.
enum AptRepositoryItem: HostItem {
    static let type = HostTypes.aptRepository

    static func read(_ prior: AptRepositoryAttributes, on host: HostSession) async throws -> AptRepositoryAttributes? {
        let listed = try await host.check(ShellCommand("cat", "--", prior.list))
        guard listed.succeeded else { return nil }
        var real = prior
        real.source = listed.standardOutput.trimmingCharacters(in: .newlines)
        if case .declared(let key) = prior.key {
            let stored = try await host.check(ShellCommand("cat", "--", prior.keyring))
            if !stored.succeeded {
                real.key = .missing
            } else if case .armored(let text) = key, text != stored.standardOutput {
                real.key = .declared(.armored(stored.standardOutput))
            }
        }
        return real
    }

    static func apply(_ desired: AptRepositoryAttributes, prior: AptRepositoryAttributes?, on host: HostSession) async throws
        -> AptRepositoryAttributes
    {
        let (list, keyring) = (desired.list, desired.keyring)
        try await host.run(ShellCommand("mkdir", "-p", "-m", "0755", "/etc/apt/keyrings"))
        switch desired.key {
        case .declared(.armored(let armored)):
            try await host.write(Array(armored.utf8), to: keyring, mode: 0o644)
        case .declared(.url(let url)):
            try await host.run(ShellCommand("curl", "-fsSL", "--retry", "3", "-o", keyring, "--", url))
            try await host.run(ShellCommand("chmod", "0644", keyring))
        case .missing, nil:
            break
        }
        try await host.write(Array((desired.source + "\n").utf8), to: list, mode: 0o644)
        // Refresh this source alone: the others may be unreachable, and are not ours to refresh.
        try await host.run(
            ShellCommand(
                "apt-get", "update", "-q", "-o", "Dir::Etc::sourcelist=\(list)", "-o", "Dir::Etc::sourceparts=-",
                "-o", "APT::Get::List-Cleanup=0"))
        return desired
    }

    static func remove(_ prior: AptRepositoryAttributes, on host: HostSession) async throws {
        try await host.run(ShellCommand("rm", "-f", "--", prior.list, prior.keyring))
    }
}
