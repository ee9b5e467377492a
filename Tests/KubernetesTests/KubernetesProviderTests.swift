import Crypto
import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SeedHomelab
import Synchronization
import Testing

/// The `kubernetes` provider against the API simulator: manifests with drift and pruning, ArgoCD
/// from a pinned install manifest, Applications applied in dependency order with health waits,
/// and the seed's ArgoCD with all its applications.
@Suite struct KubernetesProviderTests {
    /// The sandbox's stand-in for ArgoCD's install.yaml (no namespaces in it, as upstream), served over HTTPS.
    static let install = ArgoCDStandIn.installManifest(version: "v3.3.6")

    struct Setup {
        let kube: KubeHarness
        let downloads: SandboxHTTPSServer
        let authority: SandboxCertificateAuthority
        /// What the download server answers for `/install.yaml`.
        let served: ServedText
        let storage = InMemoryStateStorage()

        static func start() async throws -> Setup {
            let kube = try await KubeHarness.start(readyDelay: .milliseconds(150))
            let authority = try SandboxCertificateAuthority()
            let served = ServedText(KubernetesProviderTests.install)
            let downloads = try await SandboxHTTPSServer(identity: try authority.issueServer()) { [served] request in
                request.path == "/install.yaml"
                    ? SandboxResponse(status: 200, reason: "OK", body: Array(served.text.withLock { $0 }.utf8))
                    : SandboxResponse(status: 404, reason: "Not Found")
            }
            return Setup(kube: kube, downloads: downloads, authority: authority, served: served)
        }

        var installURL: String { downloads.baseURL + "/install.yaml" }
        var pin: String { SHA256.hash(data: Array(KubernetesProviderTests.install.utf8)).map { String(format: "%02x", $0) }.joined() }

        func argocd(manifest: ManifestTrust? = nil, url: String = "https://argocd.homelab.local") -> ArgoCD {
            ArgoCD(
                "v3.3.6", manifest: manifest ?? .sha256(pin), config: ["url": url],
                commandParameters: ["server.insecure": "true"], installURL: installURL)
        }

        func lab(@DeclarationBuilder<any ClusterContent> _ contents: () -> DeclarationGroup<any ClusterContent>) -> Lab {
            let members = contents()
            return Lab("k8s") { KubernetesCluster("lab", kubeconfig: kube.kubeconfigPath) { members } }
        }

        func workspace(_ lab: Lab) throws -> Workspace {
            let provider = KubernetesProvider(
                options: KubernetesProvider.Options(
                    healthTimeout: .seconds(20), pollInterval: .milliseconds(50), downloadTLS: TLSOptions(trust: .caPEM(authority.caPEM))))
            return Workspace(graph: try lab.compile(), storage: storage, providers: ProviderRegistry([provider]))
        }

        @discardableResult
        func apply(_ lab: Lab, expectSuccess: Bool = true) async throws -> ApplyResult {
            let workspace = try workspace(lab)
            let state = try workspace.loadState()
            let result = try await workspace.apply(try await workspace.plan(state: state), state: state)
            if expectSuccess { #expect(result.succeeded, "\(result.failures.map(\.message))") }
            return result
        }

        func plan(_ lab: Lab) async throws -> Plan {
            let workspace = try workspace(lab)
            return try await workspace.plan(state: workspace.loadState())
        }

        func shutdown() async {
            await kube.simulator.shutdown()
            await downloads.shutdown()
        }
    }

    static func web(greeting: String, withConfig: Bool = true) -> String {
        var yaml = "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n---\n"
        if withConfig {
            yaml += "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config, namespace: demo}\ndata: {greeting: \(greeting)}\n---\n"
        }
        yaml += """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: demo}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: "nginx:1.27"}]}
            """
        return yaml
    }

    @Test func manifestsApplyShowDriftAndPrune() async throws {
        let setup = try await Setup.start()
        defer { Task { await setup.shutdown() } }
        let lab = { (greeting: String, config: Bool) in
            setup.lab { Manifest("web", yaml: Self.web(greeting: greeting, withConfig: config)) }
        }
        try await setup.apply(lab("hello", true))
        let simulator = setup.kube.simulator
        #expect(
            await simulator.object(apiVersion: "v1", plural: "configmaps", namespace: "demo", name: "web-config")?["data"]?["greeting"]
                == "hello")
        #expect(
            await simulator.object(apiVersion: "apps/v1", plural: "deployments", namespace: "demo", name: "web")?["status"]?[
                "readyReplicas"] == 2)
        #expect(try await setup.plan(lab("hello", true)).actionLines == [])

        // Changed in the cluster: the plan shows exactly that field; apply takes it back.
        try await simulator.edit(
            apiVersion: "v1", plural: "configmaps", namespace: "demo", name: "web-config", patch: ["data": ["greeting": "hacked"]])
        let drift = try await setup.plan(lab("hello", true))
        #expect(drift.actionLines == ["~ manifest.lab/web"])
        let diff = drift.changes.first { $0.action == .update }?.diffs.first
        #expect(diff?.path.description == "objects[1].data.greeting", "\(String(describing: diff))")
        #expect(diff?.before == "hacked" && diff?.after == "hello", "\(String(describing: diff))")
        try await setup.apply(lab("hello", true))
        #expect(
            await simulator.object(apiVersion: "v1", plural: "configmaps", namespace: "demo", name: "web-config")?["data"]?["greeting"]
                == "hello")

        // With conflicts: .fail, a field someone else changed stops the apply and names them.
        try await simulator.edit(
            apiVersion: "v1", plural: "configmaps", namespace: "demo", name: "web-config", patch: ["data": ["greeting": "hacked"]])
        let strict = setup.lab { Manifest("web", yaml: Self.web(greeting: "hello"), conflicts: .fail) }
        let refused = try await setup.apply(strict, expectSuccess: false)
        #expect(
            refused.failures.map(\.message).joined().contains(".data.greeting owned by kubectl-edit"), "\(refused.failures.map(\.message))")
        #expect(
            await simulator.object(apiVersion: "v1", plural: "configmaps", namespace: "demo", name: "web-config")?["data"]?["greeting"]
                == "hacked")
        try await setup.apply(lab("hello", true))

        // Dropped from the manifest: pruned from the cluster.
        try await setup.apply(lab("hello", false))
        #expect(await simulator.names(apiVersion: "v1", plural: "configmaps") == [])
        #expect(await simulator.names(apiVersion: "apps/v1", plural: "deployments") == ["demo/web"])
    }

    @Test func argoCDThenApplicationsInDependencyOrderWithHealthWaits() async throws {
        let setup = try await Setup.start()
        defer { Task { await setup.shutdown() } }
        let values = { (replicas: Int) -> Value in ["server": ["replicas": .int(replicas)]] }
        let lab = { (replicas: Int, withSecrets: Bool) in
            setup.lab {
                setup.argocd()
                Application(
                    "vault", namespace: "vault",
                    source: .helm(repo: "https://helm.releases.hashicorp.com", chart: "vault", version: "0.32.0", values: values(replicas)))
                if withSecrets {
                    // Multi-source, as the seed's ApplicationSet makes it: values from Git through
                    // $values, and the app's own manifests directory.
                    Application(
                        "external-secrets", namespace: "external-secrets",
                        sources: [
                            .helm(
                                repo: "https://charts.external-secrets.io", chart: "external-secrets", version: "2.2.0",
                                valueFiles: ["$values/k8s/external-secrets/values.yml"]),
                            .ref("values", repo: "https://example.com/homelab.git"),
                            .git(repo: "https://example.com/homelab.git", path: "k8s/external-secrets"),
                        ],
                        after: ["vault"])
                }
            }
        }
        try await setup.apply(lab(1, true))
        let simulator = setup.kube.simulator
        #expect(
            await simulator.names(apiVersion: "argoproj.io/v1alpha1", plural: "applications") == [
                "argocd/external-secrets", "argocd/vault",
            ])
        let server = await simulator.object(apiVersion: "apps/v1", plural: "deployments", namespace: "argocd", name: "argocd-server")
        #expect(server?["metadata"]?["managedFields"]?.arrayValue?.first?["manager"] == "argocd-controller")
        #expect(
            await simulator.object(apiVersion: "v1", plural: "configmaps", namespace: "argocd", name: "argocd-cm")?["data"]?["url"]
                == "https://argocd.homelab.local")
        let secrets = await simulator.object(
            apiVersion: "argoproj.io/v1alpha1", plural: "applications", namespace: "argocd", name: "external-secrets")
        let sources: Value = [
            [
                "repoURL": "https://charts.external-secrets.io", "chart": "external-secrets", "targetRevision": "2.2.0",
                "helm": ["valueFiles": ["$values/k8s/external-secrets/values.yml"]],
            ],
            ["repoURL": "https://example.com/homelab.git", "targetRevision": "HEAD", "ref": "values"],
            ["repoURL": "https://example.com/homelab.git", "targetRevision": "HEAD", "path": "k8s/external-secrets"],
        ]
        #expect(secrets?["spec"]?["sources"] == sources)
        #expect(secrets?["spec"]?["source"] == nil)
        // external-secrets is created only after vault was seen Synced and Healthy.
        let requests = simulator.requests
        let lastVaultRead = requests.lastIndex(of: "GET /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/vault")
        let secretsCreated = requests.firstIndex(of: "PATCH /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/external-secrets")
        #expect(lastVaultRead != nil && secretsCreated != nil && lastVaultRead! < secretsCreated!)
        #expect(try await setup.plan(lab(1, true)).actionLines == [])

        // An edited value is a precise diff; a removed application is pruned.
        let edited = try await setup.plan(lab(3, true))
        #expect(edited.actionLines == ["~ app.lab/vault"])
        #expect(edited.changes.first { $0.action == .update }?.diffs.map(\.path.description) == ["sources[0].values.server.replicas"])
        try await setup.apply(lab(3, false))
        #expect(await simulator.names(apiVersion: "argoproj.io/v1alpha1", plural: "applications") == ["argocd/vault"])
        #expect(
            await simulator.object(apiVersion: "argoproj.io/v1alpha1", plural: "applications", namespace: "argocd", name: "vault")?[
                "spec"]?["source"]?[
                    "helm"]?["valuesObject"]?["server"]?["replicas"] == 3)

        // Changed in the cluster: shown as drift.
        try await simulator.edit(
            apiVersion: "argoproj.io/v1alpha1", plural: "applications", namespace: "argocd", name: "vault",
            patch: ["spec": ["source": ["targetRevision": "0.31.0"]]])
        let drift = try await setup.plan(lab(3, false))
        #expect(drift.actionLines == ["~ app.lab/vault"])
        #expect(drift.changes.first { $0.action == .update }?.diffs.map(\.path.description) == ["sources[0].version"])
    }

    /// Destroying ArgoCD removes each object its install manifest made (recorded by name when it
    /// was applied), then its namespace.
    @Test func destroyingArgoCDRemovesWhatItsManifestInstalled() async throws {
        let setup = try await Setup.start()
        defer { Task { await setup.shutdown() } }
        let lab = setup.lab { setup.argocd() }
        try await setup.apply(lab)
        let simulator = setup.kube.simulator
        #expect(await simulator.object(apiVersion: "apps/v1", plural: "deployments", namespace: "argocd", name: "argocd-server") != nil)
        let workspace = try setup.workspace(lab)
        let state = try workspace.loadState()
        let result = try await workspace.apply(try await workspace.plan(PlanOptions(destroy: true), state: state), state: state)
        #expect(result.succeeded && result.destroyed == 2, "the cluster and ArgoCD: \(result.failures.map(\.message))")
        #expect(await simulator.object(apiVersion: "apps/v1", plural: "deployments", namespace: "argocd", name: "argocd-server") == nil)
        #expect(
            await simulator.object(
                apiVersion: "apiextensions.k8s.io/v1", plural: "customresourcedefinitions", name: "applications.argoproj.io")
                == nil)
        // The namespace is terminating, as a real API server leaves it until its objects are gone.
        let namespace = await simulator.object(apiVersion: "v1", plural: "namespaces", name: "argocd")
        #expect(namespace == nil || namespace?["metadata"]?["deletionTimestamp"] != nil)
    }

    @Test func aManifestThatIsNotThePinnedOneIsRefusedWithItsDigest() async throws {
        let setup = try await Setup.start()
        defer { Task { await setup.shutdown() } }
        let other = String(repeating: "ab", count: 32)
        let result = try await setup.apply(setup.lab { setup.argocd(manifest: .sha256(other)) }, expectSuccess: false)
        let message = result.failures.map(\.message).joined()
        #expect(message.contains("has SHA-256 \(setup.pin), not the pinned \(other)"), "\(message)")
        #expect(message.contains("manifest: .sha256(\"\(setup.pin)\")"))
        #expect(await setup.kube.simulator.names(apiVersion: "v1", plural: "namespaces").contains("argocd") == false)
    }

    /// Trust on first use: the first apply records the digest (and says it), a plan then shows
    /// nothing to do, and a later apply refuses the same URL serving something else.
    @Test func aManifestTrustedOnFirstUseIsRecordedAndAChangedOneRefused() async throws {
        let setup = try await Setup.start()
        defer { Task { await setup.shutdown() } }
        let lab = setup.lab { setup.argocd(manifest: .trustOnFirstUse) }
        let first = try await setup.apply(lab)
        #expect(first.added == 2)
        let recorded = try #require(try setup.storage.load()?.resources[ArgoCD.address(cluster: "lab")])
        #expect(recorded.attributes["manifestSHA256"] == .string(setup.pin))
        let again = try await setup.plan(lab)
        #expect(!again.hasChanges, "\(again.summary)")
        // The same pin written out is no change either.
        #expect(try await !setup.plan(setup.lab { setup.argocd(manifest: .sha256(setup.pin)) }).hasChanges)

        setup.served.text.withLock { $0 += "\n# changed upstream\n" }
        let edited = setup.lab { setup.argocd(manifest: .trustOnFirstUse, url: "https://argo.homelab.local") }
        let second = try await setup.apply(edited, expectSuccess: false)
        let message = second.failures.map(\.message).joined()
        #expect(message.contains("not the \(setup.pin) trusted on first use"), "\(message)")
        let kept = try #require(try setup.storage.load()?.resources[ArgoCD.address(cluster: "lab")])
        #expect(
            kept.attributes["manifestSHA256"] == .string(setup.pin) && kept.attributes["config"]?["url"] == "https://argocd.homelab.local")
    }

    @Test func theSeedsArgoCDAndEveryApplication() async throws {
        let setup = try await Setup.start()
        defer { Task { await setup.shutdown() } }
        let lab = setup.lab {
            setup.argocd()
            SeedHomelab.infrastructure
            SeedHomelab.platform
            SeedHomelab.media
            SeedHomelab.apps
        }
        let result = try await setup.apply(lab)
        #expect(result.added == 43)  // the cluster, ArgoCD and 41 applications
        #expect(await setup.kube.simulator.names(apiVersion: "argoproj.io/v1alpha1", plural: "applications").count == 41)
        #expect(try await setup.plan(lab).actionLines == [])
    }
}

/// A body a test changes while a server serves it.
final class ServedText: Sendable {
    let text: Mutex<String>
    init(_ text: String) { self.text = Mutex(text) }
}
