import Foundation
import HomelabCore
import SSH

/// A command run from an argument list. With guards it is re-checked on every plan: it counts as
/// done while `creates` exists, while `unless` succeeds, or while `onlyIf` fails, and runs again
/// otherwise. Without guards it runs once, when created or changed.
enum CommandItem: HostItem {
    static let type = HostTypes.command
    /// A command cannot be undone; removing it from the description forgets it.
    static func remove(_ prior: CommandAttributes, on host: HostSession) async throws {}

    static func read(_ prior: CommandAttributes, on host: HostSession) async throws -> CommandAttributes? {
        guard prior.isGuarded else { return prior }
        return try await isSatisfied(prior, host: host) ? prior : nil
    }

    static func apply(_ desired: CommandAttributes, prior: CommandAttributes?, on host: HostSession) async throws -> CommandAttributes {
        if try await isSatisfied(desired, host: host) { return desired }
        try await host.run(ShellCommand(desired.arguments))
        return desired
    }

    /// Whether a guard says there is nothing to do.
    private static func isSatisfied(_ attributes: CommandAttributes, host: HostSession) async throws -> Bool {
        if let creates = attributes.creates, try await host.check(ShellCommand("test", "-e", creates)).succeeded {
            return true
        }
        if let unless = attributes.unless, try await host.check(ShellCommand(unless)).succeeded {
            return true
        }
        if let onlyIf = attributes.onlyIf, try await !host.check(ShellCommand(onlyIf)).succeeded {
            return true
        }
        return false
    }
}
