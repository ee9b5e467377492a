import Foundation
import HomelabCore
import SSH

/// `KernelModule`: loaded (`/sys/module/<name>` exists) and listed in its file.
enum KernelModuleItem: HostItem {
    static let type = HostTypes.kernelModule
    static func editedFile(_ attributes: Value) -> String? { attributes["file"]?.stringValue }

    static func read(_ prior: Value, on host: HostSession) async throws -> Value? {
        let name = try prior.requireString("name")
        let loaded = try await host.check(ShellCommand("test", "-d", "/sys/module/" + name.replacingOccurrences(of: "-", with: "_")))
        let persisted = try await LineItem.read(line(prior), on: host) != nil
        return prior.replacing(["loaded": .bool(loaded.succeeded), "persisted": .bool(persisted)])
    }

    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value {
        try await host.run(ShellCommand("modprobe", "--", try desired.requireString("name")))
        _ = try await LineItem.apply(line(desired), prior: nil, on: host)
        return desired
    }

    /// Removal unlists the module; it stays loaded until the next boot, like Ansible's modprobe.
    static func remove(_ prior: Value, on host: HostSession) async throws {
        try await LineItem.remove(line(prior), on: host)
    }

    private static func line(_ attributes: Value) throws -> Value {
        ["path": .string(try attributes.requireString("file")), "line": .string(try attributes.requireString("name")), "matching": .null]
    }
}
