import HomelabKit
import Testing

/// Issue #13 point 4: Applications with several sources, as the seed's ApplicationSet builds
/// them; what ArgoCD would refuse is caught at validate, at the Application's line.
@Suite struct MultiSourceApplicationTests {
    static func lab(_ sources: [Application.Source]) -> Lab {
        Lab("k8s") {
            KubernetesCluster("lab", kubeconfig: "/nonexistent/kubeconfig") {
                ArgoCD("v3.3.6", manifest: .sha256(String(repeating: "0", count: 64)))
                Application("sonarr", namespace: "arr", sources: sources)
            }
        }
    }

    static let chart = Application.Source.helm(
        repo: "https://bjw-s-labs.github.io/helm-charts", chart: "app-template", version: "4.6.2",
        valueFiles: ["$values/k8s/apps/sonarr/values.yml"])

    static func messages(_ lab: Lab) -> [String] {
        do {
            _ = try lab.compile()
            return []
        } catch {
            return error.items.map(\.message)
        }
    }

    @Test func aValuesFileNeedsTheRefItNames() {
        #expect(
            Self.messages(Self.lab([Self.chart])) == [
                "app.lab/sonarr: values file '$values/k8s/apps/sonarr/values.yml' refers to $values, but no source has ref 'values' (add .ref(\"values\", repo: …))"
            ])
        #expect(Self.messages(Self.lab([Self.chart, .ref("values", repo: "https://example.com/homelab.git")])) == [])
    }

    @Test func aRefIsNamedOnceAndSomeSourceIsGiven() {
        let twice = Self.lab([
            Self.chart, .ref("values", repo: "https://example.com/a.git"), .ref("values", repo: "https://example.com/b.git"),
        ])
        #expect(Self.messages(twice) == ["app.lab/sonarr: two sources have ref 'values'"])
        #expect(Self.messages(Self.lab([])) == ["app.lab/sonarr: an Application needs a source"])
    }

    @Test func stateWrittenWithOneSourceStillReads() throws {
        let stored: Value = [
            "cluster": "lab", "name": "vault", "argocdNamespace": "argocd", "namespace": "vault",
            "source": ["kind": "git", "repo": "https://example.com/r.git", "path": "vault", "revision": "HEAD"],
            "syncOptions": [], "prune": true, "selfHeal": true, "annotations": [:],
        ]
        let attributes = try AttributeDecoder().decode(ApplicationAttributes.self, from: stored)
        #expect(attributes.sources == [.git(repo: "https://example.com/r.git", path: "vault")])
    }
}
