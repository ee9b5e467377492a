import ArgumentParser
import Foundation
import HomelabKit

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: PlanSelection

    @Flag(help: "Plan the destruction of everything in scope.")
    var destroy = false

    @Option(help: "Save the plan to this file, for `apply FILE`.")
    var out: String?

    @Flag(help: "Print the plan as JSON (schema: docs/plan-format.md).")
    var json = false

    @Flag(help: "Exit 0 when there are no changes, 1 on error, 2 when there are changes.")
    var detailedExitcode = false

    func run() async throws {
        let environment = try CLIEnvironment.require()
        let options = selection.options(destroy: destroy)
        let plan = try await CommandSupport.withWorkspace(environment, global) { workspace in
            try await workspace.withLock("plan") { state in
                try await CommandSupport.interruptible(environment) { try await workspace.plan(options, state: state) }
            }
        }
        if json {
            environment.output.print(String(decoding: try plan.encoded(), as: UTF8.self))
        } else {
            environment.output.print(PlanRenderer(style: global.style(environment)).render(plan))
        }
        if let out {
            try CommandSupport.prepareStateDirectory(out)
            let data = try plan.encoded()
            guard FileManager.default.createFile(atPath: out, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CLIError("could not write the plan to \(out)")
            }
            if !json { environment.output.print("Saved the plan to \(out). Apply it with: apply \(out)") }
        }
        if detailedExitcode && plan.hasChanges { throw ExitCode(2) }
    }
}
