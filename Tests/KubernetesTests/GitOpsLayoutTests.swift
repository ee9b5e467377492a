import Foundation
import HomelabKit
import SeedHomelab
import Testing
import Yams

/// The seed's Applications exported as its own GitOps layout: per-app config.yml and values.yml
/// that the `cluster-apps` ApplicationSet reads.
@Suite struct GitOpsLayoutTests {
    @Test func theSeedExportsAsItsOwnLayout() throws {
        let files = try GitOpsLayout.files(
            for: try SeedHomelab.lab.compile(), cluster: "homelabk8s01", repoURL: "https://github.com/kyleseneker/homelab.git")
        #expect(files.count == 41 * 2 + 1)
        let sonarr = try #require(files["k8s/clusters/homelabk8s01/arr-sonarr/config.yml"])
        let config = try #require(try Yams.load(yaml: sonarr) as? [String: Any])
        #expect(config["appName"] as? String == "arr-sonarr" && config["namespace"] as? String == "arr")
        #expect(config["sourceType"] as? String == "helm" && config["chartName"] as? String == "app-template")
        #expect(config["chartVersion"] as? String == "4.6.2")
        #expect(config["syncOptions"] as? [String] == ["ServerSideApply=true", "ServerSideDiff=true"])
    }

    // Split from the test above: one body took 300 ms to type-check.
    @Test func theApplicationSetReadsEveryConfigAndTheLayoutIsWritten() throws {
        let files: [String: String] = try GitOpsLayout.files(
            for: try SeedHomelab.lab.compile(), cluster: "homelabk8s01", repoURL: "https://github.com/kyleseneker/homelab.git")
        let setText = try #require(files["k8s/bootstrap/applicationsets/cluster-apps.yml"])
        let set = try #require(try Yams.load(yaml: setText) as? [String: Any])
        #expect(set["kind"] as? String == "ApplicationSet")
        let generator = (((set["spec"] as? [String: Any])?["generators"] as? [[String: Any]])?.first?["git"] as? [String: Any])
        #expect((generator?["files"] as? [[String: String]])?.first?["path"] == "k8s/clusters/homelabk8s01/**/config.yml")
        for (path, text) in files where path.hasSuffix(".yml") { #expect((try? Yams.load(yaml: text)) != nil, "\(path) parses") }

        let directory = NSTemporaryDirectory() + "gitops-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try GitOpsLayout.write(files, to: directory).count == files.count)
        #expect(FileManager.default.fileExists(atPath: directory + "/k8s/clusters/homelabk8s01/vault/values.yml"))
    }
}
