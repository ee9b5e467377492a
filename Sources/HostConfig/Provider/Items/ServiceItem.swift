import Foundation
import HomelabCore
import SSH

/// `Service` with systemctl: enabled, running, and restarted when its watched files changed.
enum ServiceItem: HostItem {
    static let type = HostTypes.service

    static func read(_ prior: Value, on host: HostSession) async throws -> Value? {
        let name = try prior.requireString("name")
        let enabled = try await host.check(ShellCommand("systemctl", "is-enabled", "--", name)).standardOutput
        let active = try await host.check(ShellCommand("systemctl", "is-active", "--", name)).standardOutput
        let running = active.trimmingCharacters(in: .whitespacesAndNewlines) == "active"
        // A running state left unmanaged (nil) is not compared.
        return prior.replacing([
            "enabled": .bool(enabled.hasPrefix("enabled")), "running": prior["running"] == .null ? .null : .bool(running),
        ])
    }

    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value {
        let name = try desired.requireString("name")
        let current = try await read(desired, on: host)
        let enable = desired["enabled"]?.boolValue ?? true
        let run = desired["running"]?.boolValue
        if current?["enabled"]?.boolValue != enable {
            try await host.run(ShellCommand("systemctl", enable ? "enable" : "disable", "--", name))
        }
        let wasRunning = try await host.check(ShellCommand("systemctl", "is-active", "--quiet", "--", name)).succeeded
        if run == true && !wasRunning {
            try await host.run(ShellCommand("systemctl", "start", "--", name))
        } else if run == true && prior != nil && prior?["watched"] != desired["watched"] {
            try await host.run(ShellCommand("systemctl", "restart", "--", name))  // a watched file changed
        } else if run == false && wasRunning {
            try await host.run(ShellCommand("systemctl", "stop", "--", name))
        }
        return desired
    }

    /// A service removed from the description is left as it is: HomelabKit did not install it.
    static func remove(_ prior: Value, on host: HostSession) async throws {}
}
