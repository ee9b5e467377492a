import ArgumentParser
import Foundation
import HomelabKit

struct OutputCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "output",
        abstract: "Show output values from the state (sensitive ones redacted)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "One output; all when omitted.") var name: String?
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Write the output's value to this file (mode 0600); the only way to get a sensitive value.")
    var to: String?

    func run() async throws {
        let environment = try CLIEnvironment.require()
        let state = try global.storage().load() ?? State.empty()
        guard let name else {
            if json {
                let redacted = Value.object(state.outputs.mapValues { $0.value.redacted() })
                environment.output.print(String(decoding: try JSONEncoder().encode(redacted), as: UTF8.self))
            } else {
                Self.printAll(state, output: environment.output)
            }
            return
        }
        guard let output = state.outputs[name] else { throw CLIError("no output named \(name) in the state") }
        if let to {
            let value = output.value.plain
            let text = try value.stringValue ?? String(decoding: JSONEncoder().encode(value), as: UTF8.self)
            guard FileManager.default.createFile(atPath: to, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CLIError("could not write \(to)")
            }
            environment.output.print("Wrote output \(name) to \(to) (mode 0600).")
        } else if json {
            environment.output.print(String(decoding: try JSONEncoder().encode(output.value.redacted()), as: UTF8.self))
        } else {
            environment.output.print(ValueFormatter.format(output.value))
        }
    }

    static func printAll(_ state: State, output: OutputSink) {
        guard !state.outputs.isEmpty else { return }
        output.print("\nOutputs:\n")
        for (name, value) in state.outputs.sorted(by: { $0.key < $1.key }) {
            output.print("\(name) = \(ValueFormatter.format(value.value))")
        }
    }
}
