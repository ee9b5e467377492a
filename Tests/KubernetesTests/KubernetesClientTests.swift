import Foundation
import HomelabKit
import HomelabSandbox
import Testing

@testable import Kubernetes

/// The client over HTTPS against the simulator: discovery, server-side apply with conflicts,
/// namespaces filled in, CRDs that add kinds, get, list and delete.
@Suite struct KubernetesClientTests {
    static let configMap: Value = [
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings"], "data": ["mode": "fast", "level": "3"],
    ]

    @Test func applyFillsTheNamespaceAndConflictsNameTheManagerAndField() async throws {
        let kube = try await KubeHarness.start()
        defer { Task { await kube.simulator.shutdown() } }
        let client = try kube.tokenClient()
        #expect(try await client.version() == "v1.31.4")
        let created = try await client.apply(Self.configMap, fieldManager: "homelabkit")
        #expect(created["metadata"]?["namespace"] == "default")
        #expect(try await client.get(apiVersion: "v1", kind: "ConfigMap", name: "settings")?["data"]?["mode"] == "fast")

        // Someone changes a field HomelabKit applies: a plain apply is refused, naming them.
        try await kube.simulator.edit(
            apiVersion: "v1", plural: "configmaps", namespace: "default", name: "settings", patch: ["data": ["mode": "slow"]])
        await #expect {
            _ = try await client.apply(Self.configMap, fieldManager: "homelabkit")
        } throws: { error in
            guard case .conflict(let managers, let fields, _) = error as? KubernetesError else { return false }
            return managers == ["kubectl-edit"] && fields == [".data.mode"]
        }
        let forced = try await client.apply(Self.configMap, fieldManager: "homelabkit", force: true)
        #expect(forced["data"]?["mode"] == "fast")

        // A field dropped from the applied configuration is removed.
        let smaller: Value = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings"], "data": ["mode": "fast"]]
        #expect(try await client.apply(smaller, fieldManager: "homelabkit")["data"] == ["mode": "fast"])
        #expect(try await client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "default").count == 1)
        #expect(try await client.delete(apiVersion: "v1", kind: "ConfigMap", name: "settings"))
        #expect(try await client.get(apiVersion: "v1", kind: "ConfigMap", name: "settings") == nil)
        #expect(try await !client.delete(apiVersion: "v1", kind: "ConfigMap", name: "settings"))
    }

    @Test func aCRDAddsAKindAndDiscoveryIsRefreshedOnce() async throws {
        let kube = try await KubeHarness.start()
        defer { Task { await kube.simulator.shutdown() } }
        let client = try kube.tokenClient(namespace: "argocd")
        try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "argocd"]], fieldManager: "homelabkit")
        let application: Value = [
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": ["name": "cert-manager"],
            "spec": ["project": "default", "destination": ["namespace": "cert-manager"]],
        ]
        await #expect(throws: KubernetesError.unknownKind(apiVersion: "argoproj.io/v1alpha1", kind: "Application")) {
            _ = try await client.apply(application, fieldManager: "homelabkit")
        }
        try await client.apply(Self.applicationCRD, fieldManager: "homelabkit")
        let applied = try await client.apply(application, fieldManager: "homelabkit")
        #expect(applied["metadata"]?["namespace"] == "argocd")
        let requests = kube.simulator.requests.filter { $0 == "GET /apis" }
        #expect(requests.count == 3, "discovery: first use, the miss, and once after the CRD")
    }

    @Test func anUnauthenticatedClientIsRefused() async throws {
        let kube = try await KubeHarness.start()
        defer { Task { await kube.simulator.shutdown() } }
        let client = try KubernetesClient(
            access: ClusterAccess(server: kube.simulator.endpoint, tls: TLSOptions(trust: .caPEM(kube.simulator.caPEM))))
        await #expect(throws: KubernetesError.status(code: 401, reason: "Unauthorized", message: "Unauthorized")) {
            _ = try await client.version()
        }
    }

    static let applicationCRD: Value = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": ["name": "applications.argoproj.io"],
        "spec": [
            "group": "argoproj.io", "scope": "Namespaced",
            "names": ["kind": "Application", "plural": "applications", "singular": "application", "listKind": "ApplicationList"],
            "versions": [
                [
                    "name": "v1alpha1", "served": true, "storage": true,
                    "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                ]
            ],
        ],
    ]
}

/// The API server's certificate is verified against the cluster CA from the kubeconfig.
@Suite struct KubernetesTLSTests {
    @Test func aServerSignedByAnotherCAIsRefused() async throws {
        let kube = try await KubeHarness.start()
        defer { Task { await kube.simulator.shutdown() } }
        let stranger = try SandboxCertificateAuthority(name: "someone else")
        let client = try KubernetesClient(
            access: ClusterAccess(
                server: kube.simulator.endpoint, tls: TLSOptions(trust: .caPEM(stranger.caPEM)), token: kube.simulator.token))
        await #expect {
            _ = try await client.version()
        } throws: { error in
            guard case .transport(let detail) = error as? KubernetesError else { return false }
            return !detail.contains(kube.simulator.token)
        }
        #expect(kube.simulator.requests.isEmpty, "nothing reached the server, the token least of all")
    }
}

/// Drift is read through the applied fields only.
@Suite struct AppliedFieldsTests {
    @Test func serverDefaultsInsideNamedListsAreNotDrift() {
        let applied: Value = ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]
        let live: Value = [
            "spec": [
                "containers": [
                    ["name": "sidecar", "image": "envoy"],
                    [
                        "name": "web", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
                        "terminationMessagePath": "/dev/termination-log",
                    ],
                ],
                "dnsPolicy": "ClusterFirst",
            ]
        ]
        #expect(AppliedFields.project(live, onto: applied) == applied)
        let changed: Value = ["spec": ["containers": [["name": "web", "image": "nginx:1.25", "imagePullPolicy": "Always"]]]]
        #expect(AppliedFields.project(changed, onto: applied) == ["spec": ["containers": [["name": "web", "image": "nginx:1.25"]]]])
    }
}
