import ArgumentParser
import Foundation
import HomelabKit

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the homelab match the description (or apply a saved plan)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: PlanSelection

    @Flag(help: "Apply without asking for confirmation.")
    var autoApprove = false

    @Argument(help: "A plan file saved by `plan --out`; refused if the state changed since.")
    var planFile: String?

    func run() async throws {
        let environment = try CLIEnvironment.require()
        try await ApplyCommand.run(
            environment: environment, global: global, selection: selection, destroy: false,
            autoApprove: autoApprove, planFile: planFile
        )
    }

    static func run(
        environment: CLIEnvironment,
        global: GlobalOptions,
        selection: PlanSelection,
        destroy: Bool,
        autoApprove: Bool,
        planFile: String?
    ) async throws {
        let style = global.style(environment)
        try await CommandSupport.withWorkspace(environment, global) { workspace in
            try await workspace.withLock(destroy ? "destroy" : "apply") { state in
                let plan: Plan
                if let planFile {
                    guard let data = FileManager.default.contents(atPath: planFile) else {
                        throw CLIError("cannot read the plan file \(planFile)")
                    }
                    let saved = try Plan.decode(data)
                    plan = try await CommandSupport.interruptible(environment) {
                        try await workspace.revalidate(saved: saved, state: state)
                    }
                } else {
                    let options = selection.options(destroy: destroy)
                    plan = try await CommandSupport.interruptible(environment) { try await workspace.plan(options, state: state) }
                }
                environment.output.print(PlanRenderer(style: style).render(plan))
                guard plan.hasChanges else { return }
                // Secrets and files the providers need are checked before asking, not resource by resource.
                try await workspace.checkConfigurations(for: plan, state: state)
                // A saved plan was already reviewed: applying the file is the approval.
                let question = destroy ? "Do you really want to destroy everything in scope?" : "Do you want to perform these actions?"
                guard try CommandSupport.confirm(question, autoApprove: autoApprove || planFile != nil, environment) else {
                    environment.output.error("Apply cancelled.")
                    throw ExitCode.failure
                }
                try await CommandSupport.execute(
                    plan, workspace: workspace, state: state, parallelism: selection.parallelism,
                    environment: environment, style: style
                )
            }
        }
    }
}

struct DestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Delete everything in scope, dependents first."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: PlanSelection

    @Flag(help: "Destroy without asking for confirmation.")
    var autoApprove = false

    func run() async throws {
        let environment = try CLIEnvironment.require()
        try await ApplyCommand.run(
            environment: environment, global: global, selection: selection, destroy: true,
            autoApprove: autoApprove, planFile: nil
        )
    }
}
