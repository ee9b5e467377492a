import Foundation
import HomelabCore
import SSH

/// `User` with useradd/usermod; read back from `getent` and `id`.
enum UserItem: HostItem {
    static let type = HostTypes.user

    static func read(_ prior: Value, on host: HostSession) async throws -> Value? {
        let name = try prior.requireString("name")
        let entry = try await host.check(ShellCommand("getent", "passwd", name))
        let fields = entry.standardOutput.trimmingCharacters(in: .newlines).split(separator: ":", omittingEmptySubsequences: false)
        guard entry.succeeded, fields.count == 7 else { return nil }
        let primary = try await host.output(ShellCommand("id", "-gn", "--", name))
        let all = try await host.output(ShellCommand("id", "-Gn", "--", name)).split(separator: " ").map(String.init)
        var actual = prior
        // Fields left unset in the description are the system's to choose: not compared.
        if prior["uid"]?.intValue != nil { actual = actual.replacing(["uid": .int(Int(fields[2]) ?? -1)]) }
        if prior["group"]?.stringValue != nil { actual = actual.replacing(["group": .string(primary)]) }
        if prior["home"]?.stringValue != nil { actual = actual.replacing(["home": .string(String(fields[5]))]) }
        if prior["shell"]?.stringValue != nil { actual = actual.replacing(["shell": .string(String(fields[6]))]) }
        return actual.replacing(["groups": .strings(all.filter { $0 != primary }.sorted())])
    }

    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value {
        let name = try desired.requireString("name")
        let exists = try await host.check(ShellCommand("getent", "passwd", name)).succeeded
        var arguments: [String] = []
        if let uid = desired["uid"]?.intValue { arguments += ["-u", String(uid)] }
        if let group = desired["group"]?.stringValue { arguments += ["-g", group] }
        arguments += ["-G", (desired["groups"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")]
        if let shell = desired["shell"]?.stringValue { arguments += ["-s", shell] }
        if let home = desired["home"]?.stringValue { arguments += ["-d", home] }
        if exists {
            try await host.run(ShellCommand(["usermod"] + arguments + ["--", name]))
        } else {
            let system = desired["system"]?.boolValue == true ? ["-r"] : ["-m"]
            try await host.run(ShellCommand(["useradd"] + system + arguments + ["--", name]))
        }
        return desired
    }

    /// The account goes; its home directory stays (Ansible's default).
    static func remove(_ prior: Value, on host: HostSession) async throws {
        let name = try prior.requireString("name")
        if try await host.check(ShellCommand("getent", "passwd", name)).succeeded {
            try await host.run(ShellCommand("userdel", "--", name))
        }
    }
}

/// `Group` with groupadd/groupmod.
enum GroupItem: HostItem {
    static let type = HostTypes.group

    static func read(_ prior: Value, on host: HostSession) async throws -> Value? {
        let entry = try await host.check(ShellCommand("getent", "group", try prior.requireString("name")))
        let fields = entry.standardOutput.split(separator: ":", omittingEmptySubsequences: false)
        guard entry.succeeded, fields.count >= 3 else { return nil }
        return prior["gid"]?.intValue == nil ? prior : prior.replacing(["gid": .int(Int(fields[2]) ?? -1)])
    }

    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value {
        let name = try desired.requireString("name")
        let gid = desired["gid"]?.intValue.map { ["-g", String($0)] } ?? []
        if try await host.check(ShellCommand("getent", "group", name)).succeeded {
            if !gid.isEmpty { try await host.run(ShellCommand(["groupmod"] + gid + ["--", name])) }
        } else {
            try await host.run(ShellCommand(["groupadd"] + (desired["system"]?.boolValue == true ? ["-r"] : []) + gid + ["--", name]))
        }
        return desired
    }

    static func remove(_ prior: Value, on host: HostSession) async throws {
        let name = try prior.requireString("name")
        if try await host.check(ShellCommand("getent", "group", name)).succeeded {
            try await host.run(ShellCommand("groupdel", "--", name))
        }
    }
}
