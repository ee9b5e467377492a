import HomelabKit
import SeedHomelab
import Testing

/// Issue #12 point 6: what the cluster stage assumes of the VMs and their template, and Cilium of
/// the cluster, is checked at validate, with the declaration's line.
@Suite struct CrossStageCheckTests {
    struct Settings {
        var kubelet = "1.31.4*"
        var podSubnet = "10.244.0.0/16"
        var endpoint: String? = nil
        var kubeProxyReplacement = true
        var skipKubeProxy = true
        var ipam = CiliumAttributes.IPAM.kubernetes
        var pool: String? = "192.168.10.200-192.168.10.250"
        var labels: [String: String] = [:]
        var cli: CiliumCLI? = nil
    }

    static let checksum = "sha256:" + String(repeating: "0", count: 64)

    func lab(_ settings: Settings = Settings()) -> Lab {
        Lab("checks") {
            Proxmox(endpoint: "https://pve:8006", token: .environment("T")) {
                Node("pve") {
                    Template(
                        "tpl", vmid: 9000, source: .cloudImage(url: "https://x/img", checksum: Self.checksum),
                        provisioning: TemplateProvisioning(address: "192.168.10.49") {
                            Package("kubelet", version: settings.kubelet)
                            Package("kubeadm", version: settings.kubelet)
                        })
                    VM("cp", vmid: 200, from: "tpl", ip: "192.168.10.50/24")
                    VM("w1", vmid: 201, from: "tpl", ip: "192.168.10.51/24")
                }
            }
            Cluster(
                "k", kubernetes: "1.31.4", controlPlane: ["cp"], workers: [ClusterNode("w1", labels: settings.labels)],
                endpoint: settings.endpoint, podSubnet: settings.podSubnet, skipKubeProxy: settings.skipKubeProxy
            ) {
                Cilium(
                    "1.19.1", kubeProxyReplacement: settings.kubeProxyReplacement, ipam: settings.ipam, loadBalancerPool: settings.pool,
                    cli: settings.cli)
            }
        }
    }

    func messages(_ settings: Settings) -> [String] {
        do {
            _ = try lab(settings).compile()
            return []
        } catch {
            return error.items.map(\.message)
        }
    }

    @Test func aConsistentDescriptionPassesAndFillsInTheAddresses() throws {
        let graph = try lab().compile()
        let cluster = try #require(graph["cluster.k"]).attributes
        #expect(cluster["controlPlane"]?.arrayValue?.first?["address"] == "192.168.10.50")
        #expect(cluster["workers"]?.arrayValue?.first?["address"] == "192.168.10.51")
        let cilium = try #require(graph["cni.k"]).attributes
        #expect(cilium["k8sServiceHost"] == "192.168.10.50")
        #expect(cilium["k8sServicePort"] == 6443)
    }

    @Test func theTemplateMustInstallTheClustersKubernetes() throws {
        var settings = Settings()
        settings.kubelet = "1.30.2*"
        let problems = messages(settings)
        #expect(problems.contains("cluster.k: Kubernetes 1.31.4 needs kubelet 1.31.4, but template tpl installs kubelet 1.30.2*"))
        #expect(problems.contains("cluster.k: Kubernetes 1.31.4 needs kubeadm 1.31.4, but template tpl installs kubeadm 1.30.2*"))
    }

    @Test func subnetsMustNotBeTheMachinesNetwork() {
        var settings = Settings()
        settings.podSubnet = "192.168.0.0/16"
        #expect(messages(settings).contains("cluster.k: podSubnet 192.168.0.0/16 overlaps the network 192.168.10.0/24 of node cp"))
    }

    @Test func theEndpointIsAControlPlanesNetworkNotAWorker() {
        var settings = Settings()
        settings.endpoint = "192.168.10.51:6443"
        #expect(messages(settings).contains { $0.contains("the endpoint 192.168.10.51:6443 is a worker's address") })
        settings.endpoint = "10.1.2.3:6443"
        #expect(messages(settings).contains { $0.contains("the endpoint 10.1.2.3:6443 is outside every node's network") })
        settings.endpoint = "192.168.10.60:6443"
        #expect(messages(settings) == [], "a virtual IP in the nodes' network")
    }

    @Test func kubeProxyIsReplacedOrInstalledNeverBothOrNeither() {
        var settings = Settings()
        settings.skipKubeProxy = false
        #expect(messages(settings).contains { $0.contains("Cilium replaces kube-proxy, but cluster k installs it too") })
        settings = Settings()
        settings.kubeProxyReplacement = false
        #expect(messages(settings).contains { $0.contains("cluster k skips kube-proxy, but Cilium does not replace it") })
    }

    /// The seed's Cilium values used a 10.0.0.0/8 pool: outside kubeadm's pod subnet, and over
    /// the service subnet 10.96.0.0/12.
    @Test func theIPAMPoolAgreesWithKubeadm() {
        var settings = Settings()
        settings.ipam = .clusterPool(["10.0.0.0/8"])
        let problems = messages(settings)
        #expect(problems.contains { $0.contains("the IPAM pool 10.0.0.0/8 is not within the cluster's podSubnet 10.244.0.0/16") })
        #expect(problems.contains { $0.contains("the IPAM pool 10.0.0.0/8 overlaps the cluster's serviceSubnet 10.96.0.0/12") })
        settings.ipam = .clusterPool(["10.244.0.0/16"])
        #expect(messages(settings) == [])
    }

    @Test func theLoadBalancerPoolIsInTheNodesNetworkAndClearOfThem() {
        var settings = Settings()
        settings.pool = "10.1.0.10-10.1.0.20"
        #expect(messages(settings).contains { $0.contains("loadBalancerPool 10.1.0.10-10.1.0.20 is outside the nodes' network") })
        settings.pool = "192.168.10.40-192.168.10.55"
        #expect(messages(settings).contains { $0.contains("contains node cp's address 192.168.10.50") })
    }

    @Test func aLabelTheKubeletMayNotSetIsRefused() {
        var settings = Settings()
        settings.labels = ["node-role.kubernetes.io/worker": ""]
        #expect(messages(settings).contains { $0.contains("the kubelet may not set label 'node-role.kubernetes.io/worker'") })
        settings.labels = ["gpu": "intel", "intel.feature.node.kubernetes.io/gpu": "true"]
        #expect(messages(settings) == [])
    }

    @Test func aCiliumCLIPinMustBeAVersionAChecksumAndADownload() {
        var settings = Settings()
        settings.cli = CiliumCLI(version: "0.19", sha256: "ABC", url: "ftp://mirror/{version}/cilium.tgz")
        let found = messages(settings)
        #expect(found.contains { $0.contains("cni.k: cilium CLI version '0.19' must look like v0.19.2") })
        #expect(found.contains { $0.contains("cilium CLI sha256 'ABC' must be 64 lowercase hex digits") })
        #expect(found.contains { $0.contains("cilium CLI url 'ftp://mirror/0.19/cilium.tgz' must be https://") })
        settings.cli = CiliumCLI(version: "v0.19.2", sha256: String(repeating: "a", count: 64))
        #expect(messages(settings) == [])
    }

    @Test func theSeedPassesEveryCheck() throws {
        let graph = try SeedHomelab.lab.compile()
        #expect(graph["cni.homelabk8s01"]?.attributes["k8sServiceHost"] == "192.168.10.50")
    }
}
