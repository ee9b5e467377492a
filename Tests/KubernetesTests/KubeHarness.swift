import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox

/// The Kubernetes API simulator with a kubeconfig for it (client certificate) and a client
/// (bearer token), and a way to run the real kubectl against it.
struct KubeHarness {
    let simulator: KubeAPISimulator
    let kubeconfigPath: String
    let kubeconfig: Kubeconfig

    static func start(readyDelay: Duration = .milliseconds(200)) async throws -> KubeHarness {
        let simulator = try await KubeAPISimulator.start(readyDelay: readyDelay)
        let identity = try simulator.clientIdentity()
        let kubeconfig = Kubeconfig(
            cluster: "homelabk8s01", server: simulator.endpoint, caPEM: simulator.caPEM, user: "kubernetes-admin",
            credentials: Kubeconfig.User(
                clientCertificateData: Data(identity.certificatePEM.utf8).base64EncodedString(),
                clientKeyData: Data(identity.privateKeyPEM.utf8).base64EncodedString()))
        let path = ScratchSpace.path("kubeconfig")
        try kubeconfig.write(to: path)
        return KubeHarness(simulator: simulator, kubeconfigPath: path, kubeconfig: kubeconfig)
    }

    /// A client that authenticates with the bearer token (the kubeconfig path uses the certificate).
    func tokenClient(namespace: String = "default") throws -> KubernetesClient {
        try KubernetesClient(
            access: ClusterAccess(
                server: simulator.endpoint, tls: TLSOptions(trust: .caPEM(simulator.caPEM)), token: simulator.token, namespace: namespace))
    }

    /// Runs kubectl with this kubeconfig, off the cooperative pool (the simulator answers on it).
    func kubectl(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        var files: [String] = []
        var arguments = arguments
        if let input {
            let path = ScratchSpace.path("manifest") + ".yaml"
            try input.write(toFile: path, atomically: false, encoding: .utf8)
            files.append(path)
            arguments = arguments.map { $0 == "-" ? path : $0 }
        }
        defer { for file in files { try? FileManager.default.removeItem(atPath: file) } }
        // Bounded: a kubectl that waits forever must fail the test, not hang it.
        let all = ["60", Self.kubectlPath, "--kubeconfig", kubeconfigPath] + arguments
        // kubectl caches discovery under $HOME/.kube: a fresh home per call keeps tests apart.
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = ScratchSpace.path("kubectl-home")
        let home = environment["HOME"] ?? ""
        defer { try? FileManager.default.removeItem(atPath: home) }
        let fixed = environment
        return try await offCooperativePool { try Spawn.run("/usr/bin/timeout", all, environment: fixed) }
    }

    static let kubectlPath: String = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin"
        return path.split(separator: ":").map { "\($0)/kubectl" }.first(where: FileManager.default.isExecutableFile(atPath:))
            ?? "/usr/bin/kubectl"
    }()
}
