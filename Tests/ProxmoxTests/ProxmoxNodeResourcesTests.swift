import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import Testing

/// Bridges, storages and cicustom over HTTPS against the simulator, schema-checked.
@Suite struct ProxmoxNodeResourcesTests {
    @Test func storagePoolsAreCreatedUpdatedAndRemoved() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        let snippets = pve.lab {
            Storage("snippets", kind: .dir, content: ["snippets", "iso"], settings: ["path": "/srv/snippets"])
        }
        #expect(try await pve.apply(snippets).succeeded)
        #expect(await pve.simulator.storageIDs() == ["local", "local-lvm", "snippets"])
        #expect(try await pve.plan(snippets).actionLines == [])

        let moreContent = pve.lab {
            Storage("snippets", kind: .dir, content: ["snippets", "iso", "vztmpl"], settings: ["path": "/srv/snippets"])
        }
        #expect(try await pve.plan(moreContent).actionLines == ["~ storage.homelabpve01/snippets"])
        #expect(try await pve.apply(moreContent).succeeded)
        #expect(try await pve.plan(moreContent).actionLines == [])

        #expect(try await pve.apply(pve.lab {}).succeeded)
        #expect(await pve.simulator.storageIDs() == ["local", "local-lvm"])
        #expect(pve.simulator.schemaViolations == [])
    }

    @Test func bridgesAreTakenOverChangedAndApplied() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        // vmbr0 exists on every PVE: the first apply takes it over instead of failing.
        try await pve.apply(pve.lab { Bridge("vmbr0", ports: ["nic0"], address: "192.168.10.2/24", gateway: "192.168.10.1") })
        #expect(await pve.simulator.networkInterfaces("homelabpve01")["vmbr0"]?["gateway"] == "192.168.10.1")

        let changed = pve.lab {
            Bridge("vmbr0", ports: ["nic0"], address: "192.168.10.2/24", gateway: "192.168.10.1", vlanAware: true, comment: "VLAN 10")
            Bridge("vmbr1", address: "172.26.0.1/24", comment: "restore lab")
        }
        #expect(try await pve.plan(changed).actionLines == ["~ bridge.homelabpve01/vmbr0", "+ bridge.homelabpve01/vmbr1"])
        #expect(try await pve.apply(changed).succeeded)
        let interfaces = await pve.simulator.networkInterfaces("homelabpve01")
        #expect(interfaces["vmbr0"]?["bridge_vlan_aware"] == "1" && interfaces["vmbr0"]?["comments"] == "VLAN 10")
        #expect(interfaces["vmbr1"]?["cidr"] == "172.26.0.1/24", "applied (ifreload), not only pending")
        #expect(try await pve.plan(changed).actionLines == [])
        #expect(pve.simulator.schemaViolations == [])
    }

    /// Issue #11 b: a bridge and a PCI mapping removed by hand read as gone (PVE's real answers),
    /// so the plan creates them again instead of failing; a new bridge is created.
    @Test func objectsRemovedByHandAreGoneNotErrors() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        let lab = pve.lab {
            Bridge("vmbr1", address: "172.26.0.1/24", comment: "restore lab")
            PCIMapping("igpu", path: "0000:00:02.0")
        }
        #expect(try await pve.apply(lab).succeeded)
        #expect(try await pve.plan(lab).actionLines == [])
        let token = pve.simulator.apiToken
        let client = try ProxmoxClient(endpoint: pve.simulator.endpoint, token: token, tls: TLSOptions(trust: .caPEM(pve.simulator.caPEM)))
        try await client.delete("/nodes/homelabpve01/network/vmbr1")
        try await client.delete("/cluster/mapping/pci/igpu")
        let plan = try await pve.plan(lab)
        #expect(Set(plan.actionLines) == ["+ bridge.homelabpve01/vmbr1", "+ pci.igpu"], "\(plan.actionLines)")
        #expect(Set(plan.drift.filter(\.deleted).map(\.address.description)) == ["bridge.homelabpve01/vmbr1", "pci.igpu"])
        #expect(try await pve.apply(lab).succeeded)
        #expect(try await pve.plan(lab).actionLines == [])
        #expect(pve.simulator.schemaViolations == [])
    }

    /// Issue #11 f: the same endpoint written another way (`localhost`, a trailing `/`) is the same
    /// Proxmox: refresh works and nothing changes.
    @Test func anEndpointWrittenAnotherWayIsTheSameProxmox() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        func lab(_ endpoint: String, comment: String = "restore lab") -> Lab {
            Lab("pve-test") {
                Proxmox(endpoint: endpoint, token: .environment("PROXMOX_API_TOKEN"), tls: .caFile(pve.caFile)) {
                    Node("homelabpve01", address: "192.168.10.2") { Bridge("vmbr1", address: "172.26.0.1/24", comment: comment) }
                }
            }
        }
        let written = pve.simulator.endpoint
        let respelled = written.replacingOccurrences(of: "127.0.0.1", with: "LocalHost") + "/"
        #expect(try await pve.apply(lab(written)).succeeded)
        #expect(try await pve.plan(lab(respelled)).actionLines == [])
        #expect(try await pve.apply(lab(respelled, comment: "restore lab, v2")).succeeded)
        #expect(try await pve.plan(lab(written, comment: "restore lab, v2")).actionLines == [])
    }

    @Test func cloudInitCustomReachesTheVM() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        let lab = pve.seedLab {
            VM("web", vmid: 300, from: "k8s-node-template", ip: "192.168.10.60/24", cloudInitCustom: "user=local:snippets/web.yaml")
        }
        #expect(try await pve.apply(lab).succeeded)
        #expect(await pve.simulator.vmConfig(300)?["cicustom"] == "user=local:snippets/web.yaml")
        #expect(try await pve.plan(lab).actionLines == [])
        #expect(pve.simulator.schemaViolations == [])
    }
}
