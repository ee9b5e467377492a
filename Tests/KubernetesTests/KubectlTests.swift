import Foundation
import HomelabKit
import HomelabSandbox
import Testing

/// Real kubectl against the simulator: server-side apply, get, wait and delete.
@Suite struct KubectlTests {
    static let manifest = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: demo
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-config
          namespace: demo
        data:
          greeting: hello
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: demo
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: nginx:1.27
        """

    @Test func applyServerSideGetWaitAndDelete() async throws {
        let kube = try await KubeHarness.start()
        defer { Task { await kube.simulator.shutdown() } }
        let apply = try await kube.kubectl(["apply", "--server-side", "-f", "-"], input: Self.manifest)
        #expect(apply.status == 0, "kubectl apply: \(apply.output)")
        #expect(apply.output.contains("deployment.apps/web serverside-applied"), "\(apply.output)")
        let stored = await kube.simulator.object(apiVersion: "apps/v1", plural: "deployments", namespace: "demo", name: "web")
        #expect(stored?["metadata"]?["managedFields"]?.arrayValue?.first?["manager"] == "kubectl")

        let get = try await kube.kubectl(["get", "configmap", "web-config", "-n", "demo", "-o", "jsonpath={.data.greeting}"])
        #expect(get.status == 0 && get.output == "hello", "\(get.output)")
        let wait = try await kube.kubectl(["wait", "--for=condition=Available", "deployment/web", "-n", "demo", "--timeout=20s"])
        #expect(wait.status == 0, "kubectl wait: \(wait.output)")

        let create = try await kube.kubectl(["create", "configmap", "extra", "-n", "demo", "--from-literal=mode=fast"])
        #expect(create.status == 0, "kubectl create: \(create.output)")
        let again = try await kube.kubectl(["create", "configmap", "extra", "-n", "demo", "--from-literal=mode=fast"])
        #expect(again.status != 0 && again.output.contains("already exists"), "\(again.output)")

        // The namespace goes first, and its termination removes what is in it, as a real cluster's
        // namespace controller does; on a loaded machine that can win the race with kubectl's next
        // delete, which then finds nothing (exit 1 without --ignore-not-found, on a real cluster too).
        let delete = try await kube.kubectl(["delete", "--ignore-not-found", "-f", "-"], input: Self.manifest)
        #expect(delete.status == 0, "kubectl delete: \(delete.output)")
        #expect(await kube.simulator.names(apiVersion: "apps/v1", plural: "deployments") == [])
    }
}
