import HomelabKit
import Testing

/// Issue #11 point 7: `dependsOn` lists resource addresses on every declaration, Applications
/// included; the ordering between Applications of one cluster is `after:`, by name.
@Suite struct ApplicationDependencyTests {
    static func lab(after: [String] = [], dependsOn: [String] = []) -> Lab {
        Lab("k8s") {
            DataResource("chart-pin", input: "1.0")
            KubernetesCluster("lab", kubeconfig: "/nonexistent/kubeconfig") {
                ArgoCD("v3.3.6", manifest: .sha256(String(repeating: "0", count: 64)))
                Application("vault", namespace: "vault", source: .git(repo: "https://example.com/r.git", path: "vault"))
                Application(
                    "external-secrets", namespace: "external-secrets", source: .git(repo: "https://example.com/r.git", path: "eso"),
                    after: after, dependsOn: dependsOn)
            }
        }
    }

    @Test func dependsOnIsAnAddressAndAfterIsASiblingApplication() throws {
        let graph = try Self.lab(after: ["vault"], dependsOn: ["data.chart-pin"]).compile()
        let dependencies = try #require(graph[ResourceAddress(kind: "app", name: "lab/external-secrets")]).dependencies
        #expect(dependencies.contains(ResourceAddress(kind: "app", name: "lab/vault")))
        #expect(dependencies.contains(ResourceAddress(kind: "data", name: "chart-pin")))
    }

    @Test func aBareNameInDependsOnIsAnErrorAtItsLine() {
        #expect {
            _ = try Self.lab(dependsOn: ["vault"]).compile()
        } throws: { error in
            "\(error)".contains("ApplicationDependencyTests.swift:") && "\(error)".contains("'vault' is not a resource address")
        }
    }
}
