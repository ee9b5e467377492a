import Foundation
import HomelabCore
import SSH

/// `Reboot`: `systemctl reboot`, then new connections until the boot id has changed.
enum RebootItem: HostItem {
    static let type = HostTypes.reboot
    static let bootID = ShellCommand("cat", "/proc/sys/kernel/random/boot_id")

    /// A reboot leaves nothing to read back; it happens again only when what it watches changes.
    static func read(_ prior: RebootAttributes, on host: HostSession) async throws -> RebootAttributes? { prior }

    static func apply(_ desired: RebootAttributes, prior: RebootAttributes?, on host: HostSession) async throws -> RebootAttributes {
        let before = try await host.output(bootID)
        do {
            try await host.run(ShellCommand("systemctl", "reboot"))
        } catch SSHError.connectionLost {
            // The host went down before the command could answer: that is the reboot.
        }
        let timeout = Duration.seconds(desired.timeoutSeconds)
        let deadline = ContinuousClock.now + timeout
        var lastProblem = "it did not answer"
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            do {
                let fresh = try await host.reconnect()
                let after = try await fresh.execute(bootID).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
                if !after.isEmpty && after != before { return desired }
                lastProblem = "it still runs the boot it had before the reboot"
            } catch let error as SSHError {
                lastProblem = "\(error)"
            }
        }
        throw ProviderError.failed("the host did not come back from the reboot within \(timeout) (\(lastProblem))")
    }

    static func remove(_ prior: RebootAttributes, on host: HostSession) async throws {}
}
