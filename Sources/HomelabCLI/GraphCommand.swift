import ArgumentParser
import HomelabKit

struct GraphCommand: AsyncParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, mermaid
    }

    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the resource graph (Graphviz DOT or Mermaid)."
    )

    @Option(help: "dot or mermaid.")
    var format: Format = .dot

    func run() async throws {
        let environment = try CLIEnvironment.require()
        let graph = try environment.lab.compile()
        switch format {
        case .dot: environment.output.print(GraphRenderer.dot(graph))
        case .mermaid: environment.output.print(GraphRenderer.mermaid(graph))
        }
    }
}
