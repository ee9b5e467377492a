import Foundation
import HomelabCore
import SSH

/// `Package` with apt: installed (a pinned glob resolved through `apt-cache madison`), held or not.
enum PackageItem: HostItem {
    static let type = HostTypes.package

    static func read(_ prior: PackageAttributes, on host: HostSession) async throws -> PackageAttributes? {
        let name = prior.name
        let query = try await host.check(ShellCommand("dpkg-query", "-W", "-f", "${Status}\t${Version}", "--", name))
        let fields = query.standardOutput.split(separator: "\t", omittingEmptySubsequences: false)
        guard query.succeeded, fields.count == 2, fields[0].hasSuffix(" installed") else { return nil }
        let installed = String(fields[1])
        let held = try await host.output(ShellCommand("apt-mark", "showhold", name)).split(separator: "\n").contains { $0 == name }
        var real = prior
        real.version = prior.version.map { matches(installed, $0) ? $0 : installed }
        real.hold = held
        return real
    }

    static func apply(_ desired: PackageAttributes, prior: PackageAttributes?, on host: HostSession) async throws -> PackageAttributes {
        let name = desired.name
        var target = name
        if let wanted = desired.version {
            target += "=" + (try await resolve(name, wanted, on: host))
        }
        if prior?.hold == true { try await host.run(ShellCommand("apt-mark", "unhold", name)) }
        try await host.run(
            AptGet.command([
                "install", "-y", "-q", "--no-install-recommends", "--allow-downgrades", "--allow-change-held-packages",
                "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", target,
            ]))
        try await host.run(ShellCommand("apt-mark", desired.hold ? "hold" : "unhold", name))
        guard let installed = try await read(desired, on: host) else {
            throw ProviderError.failed("\(name) is not installed after apt-get install")
        }
        return installed
    }

    static func remove(_ prior: PackageAttributes, on host: HostSession) async throws {
        let name = prior.name
        try await host.run(ShellCommand("apt-mark", "unhold", name))
        try await host.run(AptGet.command(["remove", "-y", "-q", name]))
    }

    /// The newest version apt offers that matches the glob `wanted`.
    static func resolve(_ name: String, _ wanted: String, on host: HostSession) async throws -> String {
        let listing = try await host.output(ShellCommand("apt-cache", "madison", name))
        let versions = listing.split(separator: "\n").compactMap { line -> String? in
            let columns = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return columns.count >= 2 ? columns[1] : nil
        }
        guard let version = versions.first(where: { matches($0, wanted) }) else {
            let offered = versions.isEmpty ? "none" : versions.prefix(5).joined(separator: ", ")
            throw ProviderError.failed("no version of \(name) matches '\(wanted)' (apt offers: \(offered))")
        }
        return version
    }

    /// Shell-style glob match, as apt and Ansible use for pinned versions.
    static func matches(_ version: String, _ pattern: String) -> Bool { fnmatch(pattern, version, 0) == 0 }
}
