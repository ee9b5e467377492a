import ArgumentParser
import HomelabKit

struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Inspect and edit the state.",
        subcommands: [List.self, Show.self, Remove.self, Move.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List managed resources.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let environment = try CLIEnvironment.require()
            let state = try global.storage().load() ?? State.empty()
            for (address, resource) in state.resources.sorted(by: { $0.key < $1.key }) {
                environment.output.print(
                    address.description + (resource.isTainted ? " (tainted: replaced or finished by the next apply)" : ""))
            }
            for pending in state.pendingOperations where state[pending.address] == nil {
                environment.output.print("\(pending.address) (pending \(pending.action): the next plan looks for what it made)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one resource (sensitive values redacted).")
        @OptionGroup var global: GlobalOptions
        @Argument var address: String

        func run() async throws {
            let environment = try CLIEnvironment.require()
            let state = try global.storage().load() ?? State.empty()
            guard let parsed = ResourceAddress(parsing: address), let resource = state[parsed] else {
                throw CLIError("\(address) is not in the state")
            }
            environment.output.print("# \(resource.address) (\(resource.type)\(resource.isTainted ? ", tainted" : ""))")
            environment.output.print(ValueFormatter.format(resource.markedAttributes))
            if !resource.dependencies.isEmpty {
                environment.output.print("depends on: " + resource.dependencies.map(\.description).joined(separator: ", "))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Forget resources without deleting the real objects."
        )
        @OptionGroup var global: GlobalOptions
        @Argument var addresses: [String]

        func run() async throws {
            let environment = try CLIEnvironment.require()
            let parsed = try addresses.map { text in
                guard let address = ResourceAddress(parsing: text) else { throw CLIError("'\(text)' is not a resource address") }
                return address
            }
            let storage = global.storage()
            let workspace = Workspace(graph: try environment.lab.compile(), storage: storage, providers: environment.providers)
            _ = try await workspace.withLock("state rm") { state in try await workspace.removeFromState(parsed, state: state) }
            for address in parsed { environment.output.print("Removed \(address)") }
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "mv", abstract: "Rename a resource in state.")
        @OptionGroup var global: GlobalOptions
        @Argument var source: String
        @Argument var destination: String

        func run() async throws {
            let environment = try CLIEnvironment.require()
            guard let from = ResourceAddress(parsing: source), let to = ResourceAddress(parsing: destination) else {
                throw CLIError("both arguments must be resource addresses (kind.name)")
            }
            let workspace = Workspace(graph: try environment.lab.compile(), storage: global.storage(), providers: environment.providers)
            _ = try await workspace.withLock("state mv") { state in try await workspace.moveInState(from: from, to: to, state: state) }
            environment.output.print("Moved \(from) to \(to)")
        }
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bring an existing object under management at a declared address."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The declared address, such as vm.homelabk8s01-node-1.") var address: String
    @Argument(help: "The provider's identifier, such as homelabpve01/200.") var id: String

    func run() async throws {
        let environment = try CLIEnvironment.require()
        guard let parsed = ResourceAddress(parsing: address) else { throw CLIError("'\(address)' is not a resource address") }
        let imported = try await CommandSupport.withWorkspace(environment, global) { workspace in
            try await workspace.withLock("import") { state in try await workspace.importResource(parsed, id: id, state: state) }
        }
        environment.output.print("Imported \(imported.address). Run plan to see how it differs from the description.")
    }
}

struct ForceUnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "force-unlock",
        abstract: "Release a state lock left behind by a run that died."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The lock ID printed by the blocked command.") var lockID: String

    func run() async throws {
        let environment = try CLIEnvironment.require()
        try global.storage().forceUnlock(id: lockID)
        environment.output.print("The state lock \(lockID) is released.")
    }
}
