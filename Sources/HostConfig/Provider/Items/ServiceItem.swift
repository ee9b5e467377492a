import Foundation
import HomelabCore
import SSH

/// `Service` with systemctl: enabled, running, and restarted when its watched files changed.
enum ServiceItem: HostItem {
    static let type = HostTypes.service

    static func read(_ prior: ServiceAttributes, on host: HostSession) async throws -> ServiceAttributes? {
        let name = prior.name
        let enabled = try await host.check(ShellCommand("systemctl", "is-enabled", "--", name)).standardOutput
        let active = try await host.check(ShellCommand("systemctl", "is-active", "--", name)).standardOutput
        let running = active.trimmingCharacters(in: .whitespacesAndNewlines) == "active"
        var real = prior
        real.enabled = enabled.hasPrefix("enabled")
        // A running state left unmanaged (nil) is not compared.
        if prior.running != nil { real.running = running }
        return real
    }

    static func apply(_ desired: ServiceAttributes, prior: ServiceAttributes?, on host: HostSession) async throws -> ServiceAttributes {
        let name = desired.name
        let current = try await read(desired, on: host)
        let (enable, run) = (desired.enabled, desired.running)
        if current?.enabled != enable {
            try await host.run(ShellCommand("systemctl", enable ? "enable" : "disable", "--", name))
        }
        let wasRunning = try await host.check(ShellCommand("systemctl", "is-active", "--quiet", "--", name)).succeeded
        if run == true && !wasRunning {
            try await host.run(ShellCommand("systemctl", "start", "--", name))
        } else if run == true, let prior, prior.watched != desired.watched {
            try await host.run(ShellCommand("systemctl", "restart", "--", name))  // a watched file changed
        } else if run == false && wasRunning {
            try await host.run(ShellCommand("systemctl", "stop", "--", name))
        }
        return desired
    }

    /// A service removed from the description is left as it is: HomelabKit did not install it.
    static func remove(_ prior: ServiceAttributes, on host: HostSession) async throws {}
}
