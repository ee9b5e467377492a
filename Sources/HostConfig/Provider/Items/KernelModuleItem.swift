import Foundation
import HomelabCore
import SSH

/// `KernelModule`: loaded (`/sys/module/<name>` exists) and listed in its file.
enum KernelModuleItem: HostItem {
    static let type = HostTypes.kernelModule
    static func editedFile(_ attributes: KernelModuleAttributes) -> String? { attributes.file }

    static func read(_ prior: KernelModuleAttributes, on host: HostSession) async throws -> KernelModuleAttributes? {
        let loaded = try await host.check(
            ShellCommand("test", "-d", "/sys/module/" + prior.name.replacingOccurrences(of: "-", with: "_")))
        var real = prior
        real.loaded = loaded.succeeded
        real.persisted = try await LineItem.read(line(prior), on: host) != nil
        return real
    }

    static func apply(_ desired: KernelModuleAttributes, prior: KernelModuleAttributes?, on host: HostSession) async throws
        -> KernelModuleAttributes
    {
        try await host.run(ShellCommand("modprobe", "--", desired.name))
        _ = try await LineItem.apply(line(desired), prior: nil, on: host)
        return desired
    }

    /// Removal unlists the module; it stays loaded until the next boot, like Ansible's modprobe.
    static func remove(_ prior: KernelModuleAttributes, on host: HostSession) async throws {
        try await LineItem.remove(line(prior), on: host)
    }

    private static func line(_ attributes: KernelModuleAttributes) -> LineAttributes {
        LineAttributes(host: attributes.host, path: attributes.file, line: attributes.name, matching: nil)
    }
}
