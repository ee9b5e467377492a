import Foundation
import HomelabKit
import HomelabSandbox
import Yams

/// The same 500 objects (a namespace and 499 ConfigMaps) server-side applied by HomelabKit and by
/// `kubectl apply --server-side`, each against a fresh API simulator: wall time and requests.
enum KubernetesBenchmark {
    static func objects(_ count: Int) -> [Value] {
        [["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench"]]]
            + (1..<count).map { index in
                [
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string("settings-\(index)"), "namespace": "bench"],
                    "data": ["index": .string(String(index)), "mode": "fast"],
                ]
            }
    }

    static func kubeconfig(for simulator: KubeAPISimulator) throws -> String {
        let identity = try simulator.clientIdentity()
        let path = NSTemporaryDirectory() + "bench-kubeconfig-\(UUID().uuidString)"
        try Kubeconfig(
            cluster: "bench", server: simulator.endpoint, caPEM: simulator.caPEM, user: "admin",
            credentials: Kubeconfig.User(
                clientCertificateData: Data(identity.certificatePEM.utf8).base64EncodedString(),
                clientKeyData: Data(identity.privateKeyPEM.utf8).base64EncodedString())
        ).write(to: path)
        return path
    }

    static func scenario(_ count: Int) async throws -> Measurement {
        let objects = objects(count)
        // HomelabKit: one Manifest through the provider (plan, apply, state).
        let kit = try await KubeAPISimulator.start(readyDelay: .zero)
        let kitConfig = try kubeconfig(for: kit)
        let lab = Lab("bench") { KubernetesCluster("bench", kubeconfig: kitConfig) { Manifest("objects", objects: objects) } }
        let workspace = Workspace(
            graph: try lab.compile(), storage: FileStateStorage(path: try temporaryDirectory("k8s") + "/state.json"),
            providers: ProviderRegistry([KubernetesProvider()]))
        let state = try workspace.loadState()
        let plan = try await workspace.plan(state: state)
        kit.resetRequestLog()
        let kitStart = ContinuousClock.now
        let result = try await workspace.apply(plan, state: state)
        let kitSeconds = seconds(since: kitStart)
        guard result.succeeded else { throw ProviderError.failed("HomelabKit apply failed: \(result.failures.map(\.message))") }
        let kitRequests = kit.requests.count
        guard await kit.names(apiVersion: "v1", plural: "configmaps").count == count - 1 else {
            throw ProviderError.failed("objects missing")
        }
        await kit.shutdown()

        // kubectl: the same objects as one multi-document file.
        let peer = try await KubeAPISimulator.start(readyDelay: .zero)
        let directory = try temporaryDirectory("kubectl")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/objects.yaml"
        try objects.map { try YAMLEncoder().encode($0) }.joined(separator: "---\n").write(toFile: file, atomically: false, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory
        guard
            let kubectl = environment["PATH"]?.split(separator: ":").map({ "\($0)/kubectl" }).first(
                where: FileManager.default.isExecutableFile(atPath:))
        else { throw ProviderError.failed("kubectl not found") }
        let peerConfig = try kubeconfig(for: peer)
        let peerStart = ContinuousClock.now
        let (status, output) = try Spawn.run(
            kubectl, ["--kubeconfig", peerConfig, "apply", "--server-side", "-f", file], environment: environment)
        let peerSeconds = seconds(since: peerStart)
        guard status == 0 else { throw ProviderError.failed("kubectl failed: \(output.suffix(500))") }
        let peerRequests = peer.requests.count
        guard await peer.names(apiVersion: "v1", plural: "configmaps").count == count - 1 else {
            throw ProviderError.failed("kubectl objects missing")
        }
        await peer.shutdown()
        return Measurement(
            seconds: kitSeconds, peakRSSMB: peakRSSMegabytes(), detail: "\(count) objects",
            values: [
                "kitSeconds": kitSeconds, "kitRequests": Double(kitRequests), "kubectlSeconds": peerSeconds,
                "kubectlRequests": Double(peerRequests), "objects": Double(count),
            ])
    }
}

/// HomelabKit vs kubectl (issue #5).
func printKubernetesTable() throws {
    let run = try runChild(["kubernetes", "500"])
    let values = run.values ?? [:]
    let objects = values["objects"] ?? 500
    print("| server-side apply of 500 objects (API simulator) | wall time (s) | requests | requests per object |")
    print("|---|---|---|---|")
    for (label, key) in [("HomelabKit (Manifest through the provider)", "kit"), ("kubectl apply --server-side", "kubectl")] {
        let requests = values["\(key)Requests"] ?? 0
        print("| \(label) | \(format(values["\(key)Seconds"] ?? 0, 2)) | \(Int(requests)) | \(format(requests / objects, 2)) |")
    }
}
