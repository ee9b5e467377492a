import ArgumentParser
import HomelabKit

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The state file (default: .homelab/homelab.state.json, or .homelab/sandbox/homelab.state.json with --sandbox).")
    var state: String?

    @Flag(
        help: """
            Work on the sandbox: simulated Proxmox, machines and Kubernetes that the real providers \
            reach at the description's own addresses, inside network namespaces (needs root).
            """)
    var sandbox = false

    @Flag(help: "Never colour output (also when NO_COLOR is set or output is not a terminal).")
    var noColor = false

    /// Where the sandbox keeps its state, simulators, disks and home.
    static let sandboxDirectory = ".homelab/sandbox"

    var statePath: String { state ?? (sandbox ? Self.sandboxDirectory : ".homelab") + "/homelab.state.json" }

    func storage() -> FileStateStorage { FileStateStorage(path: statePath) }

    func style(_ environment: CLIEnvironment) -> TerminalStyle {
        TerminalStyle(enabled: !noColor && environment.output.isTerminal && environment.environment["NO_COLOR"] == nil)
    }
}

/// Options that choose what a plan covers.
struct PlanSelection: ParsableArguments {
    @Option(help: "Read every managed object through its provider first (--refresh=false to skip).")
    var refresh: Bool = true

    @Option(help: "Plan only this resource and what it depends on (repeatable).")
    var target: [String] = []

    @Option(help: "Leave this resource and what depends on it alone (repeatable).")
    var exclude: [String] = []

    @Option(help: "Replace this resource even if nothing changed (repeatable).")
    var replace: [String] = []

    @Option(help: "How many provider operations run at once.")
    var parallelism: Int = 10

    func validate() throws {
        guard parallelism > 0 else { throw ValidationError("--parallelism must be at least 1") }
        for text in target + exclude + replace where ResourceAddress(parsing: text) == nil {
            throw ValidationError("'\(text)' is not a resource address (kind.name, such as vm.web)")
        }
    }

    func options(destroy: Bool) -> PlanOptions {
        PlanOptions(
            refresh: refresh,
            targets: target.compactMap(ResourceAddress.init(parsing:)),
            excludes: exclude.compactMap(ResourceAddress.init(parsing:)),
            replace: replace.compactMap(ResourceAddress.init(parsing:)),
            destroy: destroy,
            parallelism: parallelism
        )
    }
}
