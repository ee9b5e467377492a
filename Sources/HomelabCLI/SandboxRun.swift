import Foundation
import HomelabKit
import HomelabSandbox

/// `--sandbox`: the command runs against a simulated homelab it owns. The first process makes
/// the lab network and re-executes itself inside it (``SandboxEntry``); there the sandbox starts,
/// the command runs on the description as written (only its Proxmox CA is the simulator's), and
/// the simulators write each change to the sandbox's directory as it happens. Messages go to stderr, so `plan --json`
/// stays JSON.
enum SandboxRun {
    static func run<T: Sendable>(
        graph: ResourceGraph, environment: CLIEnvironment, global: GlobalOptions, _ body: (Workspace) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.currentDirectoryPath + "/" + GlobalOptions.sandboxDirectory
        let output = environment.output
        guard let lab = try SandboxEntry.lab(environment: environment.environment) else {
            try SandboxEntry.enter(
                graph: graph, directory: directory, arguments: environment.arguments, environment: environment.environment)
        }
        output.error(
            "Sandbox: a simulated homelab in network namespace \(lab.namespace), bridge \(lab.bridge) with \(lab.addresses.joined(separator: ", ")); kept in \(GlobalOptions.sandboxDirectory)/"
        )
        let sandbox = try await Sandbox.start(graph: graph, directory: directory, lab: lab, environment: environment.environment)
        for endpoint in sandbox.layout.proxmox {
            output.error(
                "Sandbox: Proxmox VE API (simulated) at https://\(endpoint.host):\(endpoint.port), nodes \(endpoint.nodes.joined(separator: ", "))"
            )
        }
        for node in sandbox.layout.nodeMachines {
            output.error(
                "Sandbox: node \(node.name) is a machine at \(node.address) (SSH); each VM Proxmox starts boots as one at its address")
        }
        if sandbox.kube != nil {
            output.error(
                "Sandbox: Kubernetes API (simulated) at https://\(sandbox.layout.gateway):\(Sandbox.kubernetesPort), driven by the nodes' kubeadm"
            )
        }
        let workspace = Workspace(graph: sandbox.graph, storage: global.storage(), providers: environment.providers)
        let result: Result<T, any Error>
        do { result = .success(try await body(workspace)) } catch { result = .failure(error) }
        for problem in await sandbox.problems { output.error("Sandbox: \(problem)") }
        await sandbox.stop()
        return try result.get()
    }
}
