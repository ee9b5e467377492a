import Foundation
import HomelabCore
import SSH

/// A command run from an argument list. With guards it is re-checked on every plan: it counts as
/// done while `creates` exists, while `unless` succeeds, or while `onlyIf` fails, and runs again
/// otherwise. Without guards it runs once, when created or changed.
enum CommandItem: HostItem {
    static let type = HostTypes.command
    /// A command cannot be undone; removing it from the description forgets it.
    static func remove(_ prior: Value, on host: HostSession) async throws {}

    static func read(_ prior: Value, on host: HostSession) async throws -> Value? {
        let guarded = prior["creates"]?.stringValue != nil || prior["unless"]?.arrayValue != nil || prior["onlyIf"]?.arrayValue != nil
        guard guarded else { return prior }
        return try await isSatisfied(prior, host: host) ? prior : nil
    }

    static func apply(_ desired: Value, prior: Value?, on host: HostSession) async throws -> Value {
        if try await isSatisfied(desired, host: host) { return desired }
        try await host.run(ShellCommand(strings(desired["arguments"])))
        return desired
    }

    /// Whether a guard says there is nothing to do.
    private static func isSatisfied(_ attributes: Value, host: HostSession) async throws -> Bool {
        if let creates = attributes["creates"]?.stringValue, try await host.check(ShellCommand("test", "-e", creates)).succeeded {
            return true
        }
        if attributes["unless"]?.arrayValue != nil, try await host.check(ShellCommand(strings(attributes["unless"]))).succeeded {
            return true
        }
        if attributes["onlyIf"]?.arrayValue != nil, try await !host.check(ShellCommand(strings(attributes["onlyIf"]))).succeeded {
            return true
        }
        return false
    }

    private static func strings(_ value: Value?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }
}
