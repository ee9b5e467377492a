import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SeedHomelab
import Testing
import Yams

/// The built-in objects HomelabKit generates, checked by `kubernetes-validate` (PyPI) against the
/// seed cluster's Kubernetes version. (Applications are a CRD kind, outside its schemas.)
@Suite struct KubernetesValidateTests {
    func validate(_ objects: [Value]) async throws -> (Int32, String) {
        try await validate(yaml: try objects.map { try YAMLEncoder().encode($0) }.joined(separator: "---\n"))
    }

    func validate(yaml: String) async throws -> (Int32, String) {
        let path = ScratchSpace.path("generated") + ".yaml"
        try yaml.write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let executable =
            ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { "\($0)/kubernetes-validate" }
            .first(where: FileManager.default.isExecutableFile(atPath:)) ?? "/usr/local/bin/kubernetes-validate"
        return try await offCooperativePool { try Spawn.run(executable, ["--kubernetes-version", "1.31.4", "--strict", path]) }
    }

    @Test func theSeedsArgoCDObjectsAreValidKubernetes() async throws {
        let graph = try SeedHomelab.lab.compile()
        let argocd = try #require(graph["argocd.homelabk8s01"])
        let (namespace, configMaps) = ArgoCD.generatedObjects(
            namespace: argocd.attributes["namespace"]?.stringValue ?? "", config: argocd.attributes["config"]?.objectValue ?? [:],
            commandParameters: argocd.attributes["commandParameters"]?.objectValue ?? [:])
        let (status, output) = try await validate([namespace] + configMaps)
        #expect(status == 0, "kubernetes-validate: \(output)")
        #expect(output.components(separatedBy: "passed").count - 1 == 3, "\(output)")
    }

    /// The stand-in install.yaml the sandbox serves for ArgoCD: every object valid for 1.31.
    @Test func theSandboxsArgoCDStandInIsValidKubernetes() async throws {
        let manifest = ArgoCDStandIn.installManifest(version: "v3.3.6")
        let (status, output) = try await validate(yaml: manifest)
        #expect(status == 0, "kubernetes-validate: \(output)")
        let documents = manifest.components(separatedBy: "\n---\n").count
        #expect(output.components(separatedBy: "passed").count - 1 == documents, "\(output)")
    }

    @Test func theValidatorRejectsAWrongObject() async throws {
        let broken: Value = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x"], "data": ["replicas": 3]]
        let (status, output) = try await validate([broken])
        #expect(status != 0, "kubernetes-validate accepted: \(output)")
    }
}
