import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SSH
import Testing

/// The kubeadm stand-in the kubeadm provider is tested against: it refuses what kubeadm refuses,
/// writes the node's files, and registers Nodes with the Kubernetes API simulator, which reports
/// them Ready only once Cilium's agent runs.
@Suite struct KubeadmStandInTests {
    static let initFile = """
        apiVersion: kubeadm.k8s.io/v1beta4
        kind: InitConfiguration
        nodeRegistration: {name: cp}
        skipPhases: [addon/kube-proxy]
        ---
        apiVersion: kubeadm.k8s.io/v1beta4
        kind: ClusterConfiguration
        kubernetesVersion: v1.31.4
        networking: {podSubnet: 10.244.0.0/16, serviceSubnet: 10.96.0.0/12}
        """

    func run(_ connection: SSHConnection, _ line: String, input: String? = nil) async throws -> SSHExecResult {
        try await connection.execute(ShellCommand("sh", "-c", line), input: input.map { Array($0.utf8) })
    }

    @Test func refusesWhatKubeadmRefusesAndInitsANode() async throws {
        let root = try await DisposableRoot.start()
        let kube = try await KubeAPISimulator.start(readyDelay: .milliseconds(50), addresses: [root.gateway])
        defer { Task { await kube.shutdown() } }
        try root.installKubeadm(
            server: "https://\(root.gateway):\(kube.port)", caPEM: kube.caPEM, token: kube.token, version: "1.31.4")
        let ssh = try await SSHConnection.connect(root.configuration())

        #expect(try await run(ssh, "kubeadm version -o short").standardOutput == "v1.31.4\n")
        // A misspelt field: `config validate` fails, as kubeadm's strict decoding does.
        _ = try await run(ssh, "cat > /tmp/bad.yaml", input: Self.initFile.replacingOccurrences(of: "skipPhases", with: "skipPhase"))
        let invalid = try await run(ssh, "kubeadm config validate --config /tmp/bad.yaml")
        #expect(!invalid.succeeded && invalid.standardError.contains("strict decoding error: unknown field \"skipPhase\""))
        let mixed = try await run(ssh, "kubeadm init --config /tmp/bad.yaml --pod-network-cidr 10.0.0.0/8")
        #expect(!mixed.succeeded && mixed.standardError.contains("can not mix '--config' with arguments [pod-network-cidr]"))

        _ = try await run(ssh, "cat > /tmp/init.yaml", input: Self.initFile)
        #expect(try await run(ssh, "kubeadm config validate --config /tmp/init.yaml").succeeded)
        let first = try await run(ssh, "kubeadm init --config /tmp/init.yaml")
        #expect(first.succeeded, "\(first.standardError)")
        #expect(
            root.contents(of: "/etc/kubernetes/admin.conf")?.contains(
                kube.endpoint.replacingOccurrences(of: "127.0.0.1", with: root.gateway)) == true)
        let node = await kube.object(apiVersion: "v1", plural: "nodes", name: "cp")
        #expect(node?["metadata"]?["labels"]?["node-role.kubernetes.io/control-plane"] == "")
        #expect(node?["status"]?["conditions"]?.arrayValue?.first?["status"] == "False", "not Ready without a CNI")
        #expect(await kube.object(apiVersion: "apps/v1", plural: "daemonsets", namespace: "kube-system", name: "kube-proxy") == nil)

        // A second init finds the first one's files, as kubeadm's preflight does.
        let again = try await run(ssh, "kubeadm init --config /tmp/init.yaml")
        #expect(!again.succeeded && again.standardError.contains("[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]"))
        #expect(try await run(ssh, "kubeadm reset -f").succeeded)
        #expect(root.contents(of: "/etc/kubernetes/admin.conf") == nil)
        #expect(root.kubeadmLog == ["init cp", "reset"])
    }
}
