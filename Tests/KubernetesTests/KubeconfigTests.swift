import Foundation
import HomelabKit
import HomelabSandbox
import Testing

/// kubeconfig files: written so kubectl accepts them (mode 0600), read back, resolved to a
/// server, trust and credentials, and never shown with their secrets.
@Suite struct KubeconfigTests {
    @Test func writtenForKubectlWhichVerifiesTheServerAndAuthenticatesWithTheCertificate() async throws {
        let kube = try await KubeHarness.start()
        defer { Task { await kube.simulator.shutdown() } }
        let mode = try FileManager.default.attributesOfItem(atPath: kube.kubeconfigPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try Kubeconfig.load(path: kube.kubeconfigPath) == kube.kubeconfig)

        let view = try await kube.kubectl(["config", "view", "-o", "jsonpath={.current-context}"])
        #expect(view.status == 0 && view.output == "kubernetes-admin@homelabk8s01", "\(view.output)")
        let version = try await kube.kubectl(["version", "-o", "json"])
        #expect(version.status == 0, "\(version.output)")
        #expect(version.output.contains("\"gitVersion\": \"v1.31.4\""))
        #expect(kube.simulator.requests.contains("GET /version"))
    }

    @Test func accessResolvesTheContextAndErrorsNameWhatIsMissing() throws {
        let config = Kubeconfig(
            cluster: "lab", server: "https://192.168.10.50:6443", caPEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            user: "admin", credentials: Kubeconfig.User(token: "s3cr3t-token"), namespace: "argocd")
        let access = try config.access()
        #expect(access.server == "https://192.168.10.50:6443" && access.namespace == "argocd" && access.token == "s3cr3t-token")
        #expect(access.tls.trust == .caPEM("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
        #expect(!"\(access)".contains("s3cr3t") && !"\(config)".contains("s3cr3t"))
        #expect(throws: KubernetesError.invalidKubeconfig("no context named 'other'")) { try config.access(context: "other") }
        // A broken file is named by where it breaks, never echoed (it may hold keys).
        #expect {
            _ = try Kubeconfig.parse("apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: a\n  user: {token: s3cr3t-token}\n")
        } throws: { error in
            "\(error)".contains("'contexts' is missing") && !"\(error)".contains("s3cr3t")
        }
    }
}
