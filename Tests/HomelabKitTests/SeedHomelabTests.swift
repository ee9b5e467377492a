import Foundation
import HomelabKit
import HomelabKitTesting
import SeedHomelab
import Testing

@Suite struct SeedHomelabTests {
    @Test func seedPlansEveryStageFromEmptyState() async throws {
        let test = try TestWorkspace(lab: SeedHomelab.lab)
        let plan = try await test.plan()
        let creates = Set(plan.addresses(.create).map(\.description))
        #expect(plan.changes.allSatisfy { $0.action == .create })
        #expect(plan.summary.add == 118)
        let infrastructure: Set<String> = [
            "node.homelabpve01", "pci.igpu", "template.k8s-node-template", "template_seal.k8s-node-template",
            "host.homelabpve01", "reboot.homelabpve01/iommu", "host.k8s-node-template", "package.k8s-node-template/kubelet",
            "vm.homelabk8s01-node-1", "vm.homelabk8s01-node-2", "vm.homelabk8s01-node-3",
            "cluster.homelabk8s01", "cni.homelabk8s01", "argocd.homelabk8s01",
        ]
        #expect(infrastructure.isSubset(of: creates))
        let apps = creates.filter { $0.hasPrefix("app.homelabk8s01/") }
        #expect(apps.count == 41)
        for name in ["cert-manager", "vault", "arr-sonarr", "arr-seerr", "kube-prometheus-stack", "openclaw", "velero"] {
            #expect(apps.contains("app.homelabk8s01/\(name)"))
        }
    }

    @Test func seedValuesMatchTheReference() async throws {
        let graph = try SeedHomelab.lab.compile()
        let gpuNode = try #require(graph["vm.homelabk8s01-node-3"])
        #expect(gpuNode.attributes["vmid"] == 202)
        #expect(gpuNode.attributes["cores"] == 4)
        #expect(gpuNode.attributes["memory"] == 24576)
        #expect(gpuNode.attributes["disk"] == "64G")
        #expect(gpuNode.attributes["ip"] == "192.168.10.52/24")
        #expect(gpuNode.attributes["pci"] == .strings(["igpu"]))
        #expect(gpuNode.attributes["tags"] == .strings(["k8s", "worker", "gpu"]))
        let controlPlane = try #require(graph["vm.homelabk8s01-node-1"])
        #expect(controlPlane.attributes["memory"] == 8192)
        #expect(controlPlane.attributes["disk"] == "32G")
        let template = try #require(graph["template.k8s-node-template"])
        #expect(template.attributes["vmid"] == 9000)
    }

    // Split from the test above: one body of both took 300 ms to type-check on a loaded machine.
    @Test func seedApplicationsAndHostItemsMatchTheReference() async throws {
        let graph = try SeedHomelab.lab.compile()
        let certManager = try #require(graph["app.homelabk8s01/cert-manager"])
        #expect(certManager.attributes["namespace"] == "cert-manager")
        #expect(certManager.attributes["sources"]?.arrayValue?.first?["version"] == "v1.20.0")
        // The ApplicationSet's sources: the chart with values.yml through $values, and sonarr's
        // own manifests directory.
        let sonarr = try #require(graph["app.homelabk8s01/arr-sonarr"]?.attributes["sources"]?.arrayValue)
        let directory = "k8s/clusters/homelabk8s01/apps/arr/sonarr"
        #expect(sonarr.map { $0["kind"]?.stringValue } == ["helm", "ref", "git"])
        #expect(sonarr[0]["valueFiles"] == .strings(["$values/\(directory)/values.yml"]))
        #expect(sonarr[1]["ref"] == "values" && sonarr[1]["repo"] == "https://github.com/kyleseneker/homelab.git")
        #expect(sonarr[2]["path"] == .string(directory))
        let kubelet = try #require(graph["package.k8s-node-template/kubelet"])
        #expect(kubelet.attributes["version"] == "1.31.4*" && kubelet.attributes["hold"] == true)
        let forwarding = try #require(graph["sysctl.k8s-node-template/net.ipv4.ip_forward"])
        #expect(forwarding.attributes["file"] == "/etc/sysctl.d/k8s.conf" && forwarding.attributes["value"] == "1")
        let grub = try #require(graph["line.homelabpve01//etc/default/grub:^GRUB_CMDLINE_LINUX_DEFAULT="])
        #expect(grub.attributes["line"] == #"GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt""#)
        let cluster = try #require(graph["cluster.homelabk8s01"])
        #expect(cluster.attributes["kubernetes"] == "1.31.4")
    }

    /// Issue #13 point 5: the picture in the docs is what `graph --format mermaid` prints today.
    @Test func theDocsShowTheSeedsCurrentGraph() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/seed.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        let start = try #require(text.range(of: "```mermaid\n"))
        let end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        let rendered = GraphRenderer.mermaid(try SeedHomelab.lab.compile())
        #expect(
            String(text[start.upperBound..<end.lowerBound]) + "\n" == rendered, "regenerate with swift run Homelab graph --format mermaid")
        // Readable at a glance: a few dozen boxes, grouped, not two hundred.
        #expect(rendered.components(separatedBy: "[\"").count - 1 < 25)
        #expect(rendered.contains("subgraph proxmox") && rendered.contains("subgraph kubeadm"))
    }

    @Test func seedDependenciesFollowThePipeline() throws {
        let graph = try SeedHomelab.lab.compile()
        func dependencies(_ address: ResourceAddress) -> Set<String> {
            Set(graph[address]?.dependencies.map(\.description) ?? [])
        }
        let template: Set<String> = ["template.k8s-node-template", "template_seal.k8s-node-template"]
        // The node's host configuration (pve-host.yml, its IOMMU reboot among it) comes before
        // anything else on the node.
        let nodeHost = Set(
            graph.resources.map(\.address).filter { $0.description == "host.homelabpve01" || $0.name.hasPrefix("homelabpve01/") }
                .map(\.description))
        #expect(nodeHost.contains("reboot.homelabpve01/iommu"))
        let onNode = nodeHost.union(["node.homelabpve01"])
        #expect(dependencies("vm.homelabk8s01-node-3") == template.union(onNode).union(["pci.igpu"]))
        #expect(dependencies("vm.homelabk8s01-node-1") == template.union(onNode))
        #expect(dependencies("template.k8s-node-template") == onNode)
        #expect(dependencies("pci.igpu") == onNode)
        // Packer's order: install, every provisioning step in turn, then seal.
        #expect(dependencies("host.k8s-node-template") == ["template.k8s-node-template"])
        #expect(
            dependencies("template_seal.k8s-node-template") == ["template.k8s-node-template", "command.k8s-node-template/trigger udev"])
        #expect(
            graph["package.k8s-node-template/kubelet"]?.spec.replaceTriggeredBy.map(\.address.description) == ["template.k8s-node-template"]
        )
    }

    // Split from the test above (and its literals typed): one body took 300 ms to type-check.
    @Test func seedHostAndClusterDependenciesFollowThePipeline() throws {
        let graph = try SeedHomelab.lab.compile()
        func dependencies(_ address: ResourceAddress) -> Set<String> {
            Set(graph[address]?.dependencies.map(\.description) ?? [])
        }
        // pve-host.yml over SSH, after the node: the reboot waits for the VFIO modules.
        #expect(dependencies("host.homelabpve01") == ["node.homelabpve01"])
        #expect(dependencies("reboot.homelabpve01/iommu") == ["host.homelabpve01", "module.homelabpve01/vfio_pci"])
        #expect(dependencies("cluster.homelabk8s01") == ["vm.homelabk8s01-node-1", "vm.homelabk8s01-node-2", "vm.homelabk8s01-node-3"])
        #expect(dependencies("cni.homelabk8s01") == ["cluster.homelabk8s01"])
        #expect(dependencies("argocd.homelabk8s01") == ["cluster.homelabk8s01", "cni.homelabk8s01"])
        #expect(
            dependencies("app.homelabk8s01/external-secrets") == [
                "cluster.homelabk8s01", "cni.homelabk8s01", "argocd.homelabk8s01", "app.homelabk8s01/vault",
            ])
        // Dependency order: every resource comes after everything it depends on.
        var seen = Set<ResourceAddress>()
        for resource in graph.resources {
            #expect(resource.dependencies.allSatisfy(seen.contains))
            seen.insert(resource.address)
        }
    }

    @Test func seedApplyIsIdempotentWithInMemoryProviders() async throws {
        let test = try TestWorkspace(lab: SeedHomelab.lab)
        let result = try await test.apply()
        #expect(result.succeeded)
        #expect(result.added == 118)
        let second = try await test.plan()
        #expect(!second.hasChanges)
        #expect(test.storage.saveCount == 1)
    }

    @Test func seedPlanNeedsNoNetworkOrCredentials() async throws {
        // The shipped providers are not built yet: planning from empty state must not call them.
        let workspace = Workspace(graph: try SeedHomelab.lab.compile(), storage: InMemoryStateStorage(), providers: Lab.defaultProviders)
        let plan = try await workspace.plan(state: State.empty())
        #expect(plan.summary.add == 118)
    }
}
