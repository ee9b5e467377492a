import ArgumentParser
import Foundation
import HomelabKit

/// The `homelab` command tree. Any package can build its own CLI from its own description:
///
/// ```swift
/// await HomelabCommand.main(lab: myLab)
/// ```
public struct HomelabCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "homelab",
        abstract: "Plan and apply a homelab described in Swift.",
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ApplyCommand.self, DestroyCommand.self, GraphCommand.self,
            StateCommand.self, OutputCommand.self, ImportCommand.self, ForceUnlockCommand.self, ExportGitOpsCommand.self,
        ]
    )

    public init() {}

    /// Parses the process arguments and runs the command on `lab`, then exits.
    public static func main(lab: Lab, providers: ProviderRegistry = Lab.defaultProviders) async {
        let environment = CLIEnvironment(lab: lab, providers: providers)
        let code = await run(Array(CommandLine.arguments.dropFirst()), environment: environment)
        Foundation.exit(code)
    }

    /// Runs one command line against `environment` and returns its exit code. Tests call this
    /// with a capturing ``OutputSink``.
    public static func run(_ arguments: [String], environment: CLIEnvironment) async -> Int32 {
        var environment = environment
        environment.arguments = arguments
        return await CLIEnvironment.$current.withValue(environment) {
            do {
                var command = try parseAsRoot(arguments)
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
                return 0
            } catch let code as ExitCode {
                return code.rawValue
            } catch let diagnostics as Diagnostics {
                environment.output.error(diagnostics.description)
                return 1
            } catch {
                let message = fullMessage(for: error)
                let code = exitCode(for: error).rawValue
                if code == 0 {
                    environment.output.print(message)
                } else {
                    environment.output.error(message.hasPrefix("Error:") || message.hasPrefix("Usage:") ? message : "Error: \(message)")
                }
                return code
            }
        }
    }
}
