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

    /// A machine with the kubeadm and cilium stand-ins, pointed at a Kubernetes API simulator.
    static func machine() async throws -> (DisposableRoot, KubeAPISimulator, SSHConnection) {
        let root = try await DisposableRoot.start()
        let kube = try await KubeAPISimulator.start(readyDelay: .milliseconds(50), addresses: [root.gateway])
        try root.installKubeadm(
            server: "https://\(root.gateway):\(kube.port)", caPEM: kube.caPEM, token: kube.token, version: "1.31.4")
        return (root, kube, try await SSHConnection.connect(root.configuration()))
    }

    func run(_ connection: SSHConnection, _ line: String, input: String? = nil) async throws -> SSHExecResult {
        try await connection.execute(ShellCommand("sh", "-c", line), input: input.map { Array($0.utf8) })
    }

    @Test func refusesWhatKubeadmRefusesAndInitsANode() async throws {
        let (root, kube, ssh) = try await Self.machine()
        defer { Task { await kube.shutdown() } }

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

        // An init after the reset starts a new cluster (a new etcd): nothing of the first one
        // is in its API, and the node registers again.
        let afterReset = try await run(ssh, "kubeadm init --config /tmp/init.yaml")
        #expect(afterReset.succeeded, "\(afterReset.standardError)")
        #expect(await kube.names(apiVersion: "v1", plural: "nodes") == ["cp"])
        let config = await kube.object(apiVersion: "v1", plural: "configmaps", namespace: "kube-system", name: "kubeadm-config")
        #expect(config != nil)
    }

    /// What a cluster held goes with it: objects made in a cluster are not in the API of the
    /// next cluster a `kubeadm init` starts, as a new etcd member's data starts empty.
    @Test func aNewInitStartsAnEmptyCluster() async throws {
        let (root, kube, ssh) = try await Self.machine()
        defer { Task { await kube.shutdown() } }
        _ = try await run(ssh, "cat > /tmp/init.yaml", input: Self.initFile)
        #expect(try await run(ssh, "kubeadm init --config /tmp/init.yaml").succeeded)
        let installed = try await run(ssh, "KUBECONFIG=/etc/kubernetes/admin.conf cilium install --version 1.19.1")
        #expect(installed.succeeded, "\(installed.standardError)")
        #expect(await kube.names(apiVersion: "v1", plural: "secrets").contains("kube-system/sh.helm.release.v1.cilium.v1"))

        #expect(try await run(ssh, "kubeadm reset -f").succeeded)
        #expect(try await run(ssh, "kubeadm init --config /tmp/init.yaml").succeeded)
        #expect(await kube.names(apiVersion: "v1", plural: "secrets").filter { $0.contains("cilium") } == [])
        #expect(await kube.object(apiVersion: "apps/v1", plural: "daemonsets", namespace: "kube-system", name: "cilium") == nil)
        // A second install is an install again, not Helm's "cannot re-use a name".
        let reinstalled = try await run(ssh, "KUBECONFIG=/etc/kubernetes/admin.conf cilium install --version 1.19.1")
        #expect(reinstalled.succeeded, "\(reinstalled.standardError)")
        #expect(root.kubeadmLog == ["init cp", "reset", "init cp"])
    }
}
