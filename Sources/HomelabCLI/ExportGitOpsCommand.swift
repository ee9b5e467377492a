import ArgumentParser
import Foundation
import HomelabKit

/// Writes the seed's GitOps layout for one cluster, for users who prefer Git-driven sync.
struct ExportGitOpsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-gitops",
        abstract: "Write a cluster's Applications as the seed's GitOps layout (config.yml and values.yml per app, and the ApplicationSet)."
    )

    @Option(help: "The cluster whose Applications to export.")
    var cluster: String

    @Option(help: "The Git repository ArgoCD will read (the ApplicationSet's repoURL).")
    var repo: String

    @Option(help: "The directory to write into (the repository's root).")
    var to: String

    func run() async throws {
        let environment = try CLIEnvironment.require()
        let files = try GitOpsLayout.files(for: try environment.lab.compile(), cluster: cluster, repoURL: repo)
        guard files.count > 1 else { throw ValidationError("cluster \(cluster) has no Applications to export") }
        let written = try GitOpsLayout.write(files, to: to)
        environment.output.print("Wrote \(written.count) files under \(to) (\(written.count / 2) applications and the ApplicationSet).")
    }
}
