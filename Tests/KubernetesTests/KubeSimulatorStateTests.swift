import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import Testing

/// Issue #13 point 1: the sandbox keeps its simulated cluster between runs: objects with their
/// field owners, and the kinds CRDs serve.
@Suite struct KubeSimulatorStateTests {
    static let crd: Value = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": ["name": "widgets.example.com"],
        "spec": [
            "group": "example.com", "scope": "Namespaced", "names": ["kind": "Widget", "plural": "widgets", "singular": "widget"],
            "versions": [
                [
                    "name": "v1", "served": true, "storage": true,
                    "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                ]
            ],
        ],
    ]

    @Test func aRestoredSimulatorServesWhatTheSavedOneHeld() async throws {
        let first = try await KubeHarness.start(readyDelay: .milliseconds(10))
        let client = try first.tokenClient()
        try await client.apply(Self.crd, fieldManager: "test")
        try await Task.sleep(for: .milliseconds(50))
        try await client.apply(
            ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w", "namespace": "default"], "spec": ["size": 3]],
            fieldManager: "test")
        let saved = try await first.simulator.savedState()
        await first.simulator.shutdown()

        let second = try await KubeHarness.start()
        defer { Task { await second.simulator.shutdown() } }
        try await second.simulator.restore(saved)
        let widget = try await second.tokenClient().get(apiVersion: "example.com/v1", kind: "Widget", namespace: "default", name: "w")
        #expect(widget?["spec"]?["size"] == 3)
        #expect(widget?["metadata"]?["managedFields"]?.arrayValue?.first?["manager"] == "test")
        // Settled: the CRD is Established at once, as in a cluster left running.
        let crd = await second.simulator.object(
            apiVersion: "apiextensions.k8s.io/v1", plural: "customresourcedefinitions", name: "widgets.example.com")
        let established = crd?["status"]?["conditions"]?.arrayValue?.contains { $0["type"] == "Established" && $0["status"] == "True" }
        #expect(established == true)
    }
}
