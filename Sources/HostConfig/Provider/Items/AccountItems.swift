import Foundation
import HomelabCore
import SSH

/// `User` with useradd/usermod; read back from `getent` and `id`.
enum UserItem: HostItem {
    static let type = HostTypes.user

    static func read(_ prior: UserAttributes, on host: HostSession) async throws -> UserAttributes? {
        let name = prior.name
        let entry = try await host.check(ShellCommand("getent", "passwd", name))
        let fields = entry.standardOutput.trimmingCharacters(in: .newlines).split(separator: ":", omittingEmptySubsequences: false)
        guard entry.succeeded, fields.count == 7 else { return nil }
        let primary = try await host.output(ShellCommand("id", "-gn", "--", name))
        let all = try await host.output(ShellCommand("id", "-Gn", "--", name)).split(separator: " ").map(String.init)
        var real = prior
        // Fields left unset in the description are the system's to choose: not compared.
        if prior.uid != nil { real.uid = Int(fields[2]) ?? -1 }
        if prior.group != nil { real.group = primary }
        if prior.home != nil { real.home = String(fields[5]) }
        if prior.shell != nil { real.shell = String(fields[6]) }
        real.groups = all.filter { $0 != primary }.sorted()
        return real
    }

    static func apply(_ desired: UserAttributes, prior: UserAttributes?, on host: HostSession) async throws -> UserAttributes {
        let name = desired.name
        let exists = try await host.check(ShellCommand("getent", "passwd", name)).succeeded
        var arguments: [String] = []
        if let uid = desired.uid { arguments += ["-u", String(uid)] }
        if let group = desired.group { arguments += ["-g", group] }
        arguments += ["-G", desired.groups.joined(separator: ",")]
        if let shell = desired.shell { arguments += ["-s", shell] }
        if let home = desired.home { arguments += ["-d", home] }
        if exists {
            try await host.run(ShellCommand(["usermod"] + arguments + ["--", name]))
        } else {
            let system = desired.system ? ["-r"] : ["-m"]
            try await host.run(ShellCommand(["useradd"] + system + arguments + ["--", name]))
        }
        return desired
    }

    /// The account goes; its home directory stays (Ansible's default).
    static func remove(_ prior: UserAttributes, on host: HostSession) async throws {
        let name = prior.name
        if try await host.check(ShellCommand("getent", "passwd", name)).succeeded {
            try await host.run(ShellCommand("userdel", "--", name))
        }
    }
}

/// `Group` with groupadd/groupmod.
enum GroupItem: HostItem {
    static let type = HostTypes.group

    static func read(_ prior: GroupAttributes, on host: HostSession) async throws -> GroupAttributes? {
        let entry = try await host.check(ShellCommand("getent", "group", prior.name))
        let fields = entry.standardOutput.split(separator: ":", omittingEmptySubsequences: false)
        guard entry.succeeded, fields.count >= 3 else { return nil }
        var real = prior
        if prior.gid != nil { real.gid = Int(fields[2]) ?? -1 }
        return real
    }

    static func apply(_ desired: GroupAttributes, prior: GroupAttributes?, on host: HostSession) async throws -> GroupAttributes {
        let name = desired.name
        let gid = desired.gid.map { ["-g", String($0)] } ?? []
        if try await host.check(ShellCommand("getent", "group", name)).succeeded {
            if !gid.isEmpty { try await host.run(ShellCommand(["groupmod"] + gid + ["--", name])) }
        } else {
            try await host.run(ShellCommand(["groupadd"] + (desired.system ? ["-r"] : []) + gid + ["--", name]))
        }
        return desired
    }

    static func remove(_ prior: GroupAttributes, on host: HostSession) async throws {
        let name = prior.name
        if try await host.check(ShellCommand("getent", "group", name)).succeeded {
            try await host.run(ShellCommand("groupdel", "--", name))
        }
    }
}
