import Foundation
import HomelabCLI
import HomelabKit
import HomelabKitTesting
import Testing

/// Runs the CLI in-process against `lab`, with its state in a fresh directory.
struct CLIHarness {
    let lab: Lab
    let directory: String
    var statePath: String { directory + "/state.json" }

    init(_ lab: Lab) throws {
        self.lab = lab
        directory = try ScratchSpace.directory("cli")
    }

    func run(_ arguments: [String], answer: String? = nil, environment: [String: String] = [:], terminal: Bool = false)
        async -> (code: Int32, out: String, err: String)
    {
        let sink = OutputSink(isTerminal: terminal) { _, _ in }
        let env = CLIEnvironment(lab: lab, output: sink, readLine: { answer }, environment: environment)
        let stateful: Set<String> = ["plan", "apply", "destroy", "state", "output", "import", "force-unlock"]
        var arguments = arguments
        if let first = arguments.first, stateful.contains(first) { arguments += ["--state", statePath] }
        let code = await HomelabCommand.run(arguments, environment: env)
        return (code, sink.standardOutput, sink.standardError)
    }
}

func dataLab(_ value: String = "one") -> Lab {
    Lab("cli") {
        DataResource("base", input: .string(value))
        DataResource("app", input: "x", dependsOn: ["data.base"])
        Output("base", resource: "data.base", attribute: "output")
    }
}

@Suite struct CLITests {
    @Test func planPrintsTerraformStyleDiffAndDetailedExitCode() async throws {
        let cli = try CLIHarness(dataLab())
        let plan = await cli.run(["plan", "--detailed-exitcode"])
        #expect(plan.code == 2)
        #expect(plan.out.contains("  + resource \"homelab_data\" \"base\" {"))
        #expect(plan.out.contains("Plan: 2 to add, 0 to change, 0 to destroy."))
        #expect(!plan.out.contains("\u{1B}["))
        let colored = await cli.run(["plan"], terminal: true)
        #expect(colored.out.contains("\u{1B}[32m"))
        let noColor = await cli.run(["plan"], environment: ["NO_COLOR": "1"], terminal: true)
        #expect(!noColor.out.contains("\u{1B}["))
    }

    @Test func applyAsksUnlessAutoApprovedThenPlanIsEmpty() async throws {
        let cli = try CLIHarness(dataLab())
        let refused = await cli.run(["apply"], answer: "no")
        #expect(refused.code == 1)
        #expect(!FileManager.default.fileExists(atPath: cli.statePath))
        let noTerminal = await cli.run(["apply"], answer: nil)
        #expect(noTerminal.code == 1 && noTerminal.err.contains("--auto-approve"))
        let applied = await cli.run(["apply"], answer: "yes")
        #expect(applied.code == 0)
        #expect(applied.out.contains("data.base: creating…"))
        #expect(applied.out.contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."))
        #expect(applied.out.contains("base = \"one\""))
        let again = await cli.run(["plan", "--detailed-exitcode"])
        #expect(again.code == 0 && again.out.contains("No changes."))
    }

    @Test func savedPlanAppliesOnceAndIsRefusedWhenStale() async throws {
        let cli = try CLIHarness(dataLab())
        let planFile = cli.directory + "/saved.plan"
        #expect(await cli.run(["plan", "--out", planFile]).code == 0)
        #expect(try fileMode(planFile) == 0o600)
        #expect(await cli.run(["apply", planFile]).code == 0)
        let stale = await cli.run(["apply", planFile])
        #expect(stale.code == 1)
        #expect(stale.err.contains("state serial 0, but the state is now at serial 1"))
    }

    @Test func jsonPlanIsMachineReadable() async throws {
        let cli = try CLIHarness(dataLab())
        let result = await cli.run(["plan", "--json"])
        let plan = try Plan.decode(Data(result.out.utf8))
        #expect(plan.formatVersion == 1)
        #expect(plan.changes.map(\.action) == [.create, .create])
    }

    @Test func validationErrorsPointAtTheSwiftLine() async throws {
        let cli = try CLIHarness(Lab("bad") { DataResource("a", dependsOn: ["data.missing"]) })
        let result = await cli.run(["validate"])
        #expect(result.code == 1)
        #expect(result.err.contains("HomelabCLITests/CLITests.swift:"))
        #expect(result.err.contains("error: data.a refers to data.missing (dependsOn), which is not declared"))
        #expect(await cli.run(["plan"]).code == 1)
        #expect(!FileManager.default.fileExists(atPath: cli.statePath))
    }

    @Test func stateCommandsOutputGraphAndDestroy() async throws {
        let cli = try CLIHarness(dataLab())
        _ = await cli.run(["apply", "--auto-approve"])
        #expect(await cli.run(["state", "list"]).out == "data.app\ndata.base\n")
        let shown = await cli.run(["state", "show", "data.base"]).out
        #expect(shown.contains("# data.base (homelab_data)") && shown.contains("output          = \"one\""))
        #expect(await cli.run(["output", "base"]).out == "\"one\"\n")
        #expect(await cli.run(["state", "mv", "data.app", "data.renamed"]).code == 0)
        #expect(await cli.run(["state", "list"]).out == "data.base\ndata.renamed\n")
        #expect(await cli.run(["state", "rm", "data.renamed"]).code == 0)
        #expect(await cli.run(["graph"]).out.contains("\"data.app\" -> \"data.base\";"))
        #expect(await cli.run(["graph", "--format", "mermaid"]).out.contains("g1 --> g0"))
        let destroyed = await cli.run(["destroy", "--auto-approve"])
        #expect(destroyed.code == 0 && destroyed.out.contains("Destroy complete! Resources: 0 added, 0 changed, 1 destroyed."))
    }

    @Test func lockedStateIsReportedAndCanBeForceUnlocked() async throws {
        let cli = try CLIHarness(dataLab())
        let lock = try FileStateStorage(path: cli.statePath).lock(operation: "apply")
        var held = lock
        held.host = "another-host"
        try JSONEncoder().encode(held).write(to: URL(fileURLWithPath: cli.statePath + ".lock"))
        let blocked = await cli.run(["plan"])
        #expect(blocked.code == 1 && blocked.err.contains("force-unlock \(lock.id)"))
        #expect(await cli.run(["force-unlock", lock.id]).code == 0)
        #expect(await cli.run(["plan"]).code == 0)
    }

    @Test func anUnreachableHostFailsClearly() async throws {
        let lab = Lab("host") {
            Host("pve", address: "127.0.0.1", port: 1, trust: .fingerprint("SHA256:none")) { Sysctl("vm.swappiness", "10") }
        }
        let cli = try CLIHarness(lab)
        let result = await cli.run(["apply", "--auto-approve"])
        #expect(result.code == 1)
        #expect(result.err.contains("host.pve: cannot connect to 127.0.0.1"))
        #expect(result.out.contains("sysctl.pve/vm.swappiness: skipped because host.pve failed"))
    }

    @Test func aMissingProxmoxTokenIsNamedNeverShown() async throws {
        let lab = Lab("pve") {
            Proxmox(endpoint: "https://pve.example:8006", token: .environment("PROXMOX_API_TOKEN")) {
                Node("pve") {}
            }
        }
        let cli = try CLIHarness(lab)
        // Issue #11 point 5: checked before the prompt, once, not as a failure per resource.
        let result = await cli.run(["apply"], answer: "yes")
        #expect(result.code == 1)
        #expect(result.err.contains("environment variable PROXMOX_API_TOKEN is not set"), "\(result.err)")
        #expect(!result.out.contains("Enter a value"), "no prompt before a configuration that cannot work")
        #expect(!result.err.contains("skipped") && !result.out.contains("creating…"))
    }

    /// Issue #11 point 5: an SSH key that cannot be read, a passphrase that does not resolve, or a
    /// kubeconfig that cannot be read is one error before the prompt; no connection is tried and no item fails one by one.
    @Test func anUnreadableSSHKeyOrPassphraseIsNamedBeforeThePrompt() async throws {
        let missingKey = Lab("host") {
            Host("pve", address: "127.0.0.1", port: 1, login: .key("/nonexistent/id_ed25519"), trust: .fingerprint("SHA256:none")) {
                Sysctl("vm.swappiness", "10")
                Sysctl("vm.overcommit_memory", "1")
            }
        }
        let keyResult = try await CLIHarness(missingKey).run(["apply"], answer: "yes")
        #expect(keyResult.code == 1)
        #expect(keyResult.err.contains("the SSH key /nonexistent/id_ed25519 for root@127.0.0.1 cannot be read"), "\(keyResult.err)")
        #expect(!keyResult.out.contains("Enter a value") && !keyResult.err.contains("skipped"))

        let missingPassphrase = Lab("host") {
            Host(
                "pve", address: "127.0.0.1", port: 1,
                login: .key("/dev/null", passphrase: .environment("HOMELABKIT_TEST_UNSET_PASSPHRASE")),
                trust: .fingerprint("SHA256:none")
            ) { Sysctl("vm.swappiness", "10") }
        }
        let passphraseResult = try await CLIHarness(missingPassphrase).run(["apply"], answer: "yes")
        #expect(passphraseResult.code == 1)
        #expect(passphraseResult.err.contains("HOMELABKIT_TEST_UNSET_PASSPHRASE is not set"), "\(passphraseResult.err)")
        #expect(!passphraseResult.out.contains("Enter a value"))

        let missingKubeconfig = Lab("k8s") {
            KubernetesCluster("lab", kubeconfig: "/nonexistent/kubeconfig") {
                Manifest("ns", yaml: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n")
            }
        }
        let kubeResult = try await CLIHarness(missingKubeconfig).run(["apply"], answer: "yes")
        #expect(kubeResult.code == 1)
        #expect(kubeResult.err.contains("/nonexistent/kubeconfig"), "\(kubeResult.err)")
        #expect(!kubeResult.out.contains("Enter a value") && !kubeResult.err.contains("skipped"))
    }
}

func fileMode(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
}

@Suite struct TaintedCLITests {
    /// A create that fails after its object exists: apply says so, `state list` marks it, and the
    /// next plan replaces it with the reason.
    @Test func aTaintedObjectIsShownByApplyStateListAndPlan() async throws {
        let provider = InMemoryProvider(name: DataResource.type.provider)
        provider.failAfterCreating("data.half")
        let lab = Lab("cli") { DataResource("half", input: "x") }
        let harness = try CLIHarness(lab)
        func run(_ arguments: [String]) async -> (code: Int32, out: String, err: String) {
            let sink = OutputSink(isTerminal: false) { _, _ in }
            let environment = CLIEnvironment(
                lab: lab, providers: Lab.defaultProviders.registering(provider), output: sink, readLine: { nil }, environment: [:])
            let code = await HomelabCommand.run(arguments + ["--state", harness.statePath], environment: environment)
            return (code, sink.standardOutput, sink.standardError)
        }
        let apply = await run(["apply", "--auto-approve"])
        #expect(apply.code == 1)
        #expect(apply.err.contains("Tainted: data.half exists but is not as described"), "\(apply.err)")
        #expect(apply.err.contains("0 added, 0 changed, 0 destroyed, 1 failed, 1 tainted"), "\(apply.err)")
        #expect(await run(["state", "list"]).out.contains("data.half (tainted"))
        let plan = await run(["plan"])
        #expect(plan.out.contains("data.half must be replaced") && plan.out.contains("it is tainted"), "\(plan.out)")
        #expect(await run(["apply", "--auto-approve"]).code == 0)
        #expect(await run(["state", "list"]).out == "data.half\n")
    }
}
