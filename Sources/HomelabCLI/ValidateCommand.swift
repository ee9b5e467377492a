import ArgumentParser
import HomelabKit

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the description and report every problem with its Swift line."
    )

    func run() async throws {
        let environment = try CLIEnvironment.require()
        let graph = try environment.lab.compile()
        for warning in graph.warnings { environment.output.error(warning.description) }
        environment.output.print("The description is valid: \(graph.resources.count) resources.")
    }
}
