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

    /// Issue #11 h and 7: a VM clones a template the description does not manage, found on the node
    /// by name or by VMID; and a declared template can be passed as a value.
    @Test func aVMClonesATemplateTheDescriptionDoesNotManage() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        await pve.simulator.addVM(
            9100, node: "homelabpve01",
            config: [
                "name": "golden", "template": "1", "scsi0": "local-lvm:base-9100-disk-0,size=8G",
                "net0": "virtio=BC:24:11:00:00:01,bridge=vmbr0", "ide2": "local-lvm:vm-9100-cloudinit,media=cdrom",
            ])
        let base = Template(
            "declared", vmid: 9000, source: .cloudImage(url: PVEHarness.imageURL, checksum: "sha256:\(PVEHarness.imageSHA256)"),
            cores: 2, memory: .mib(2048), disk: .gib(8))
        let lab = pve.lab {
            base
            VM("by-value", vmid: 200, from: TemplateReference(base), disk: .gib(10), ip: "10.0.0.10/24")
            VM("by-name", vmid: 201, from: .existing("golden"), disk: .gib(10), ip: "10.0.0.11/24")
            VM("by-vmid", vmid: 202, from: .existing(vmid: 9100), disk: .gib(10), ip: "10.0.0.12/24")
        }
        let graph = try lab.compile()
        #expect(graph["vm.by-value"]?.dependencies.contains("template.declared") == true)
        #expect(graph["vm.by-name"]?.dependencies == ["node.homelabpve01"])
        let result = try await pve.apply(lab)
        #expect(result.succeeded, "\(result.failures)")
        #expect(await pve.simulator.vmConfig(201)?["scsi0"]?.contains("vm-201-disk-0") == true)
        #expect(await pve.simulator.vmConfig(202)?["scsi0"]?.contains("vm-202-disk-0") == true)
        #expect(try await pve.plan(lab).actionLines == [])
        #expect(pve.simulator.schemaViolations == [])
    }

    /// Issue #11 d: sizes are exact. A 3.5 GiB template reads as 3584M (not 3, which planned a
    /// replacement), a 10.5 GiB disk is resized to exactly that, and a shrink is refused at plan
    /// time naming the real size.
    @Test func sizesAreExact() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        func lab(_ disk: ByteSize) -> Lab {
            pve.lab {
                // A cloud image imports at 3.5 GiB (3584M) in the simulator, as Ubuntu's noble image does.
                Template(
                    "tpl", vmid: 9000, source: .cloudImage(url: PVEHarness.imageURL, checksum: "sha256:\(PVEHarness.imageSHA256)"),
                    disk: .mib(3584))
                VM("web", vmid: 200, from: "tpl", disk: disk, ip: "10.0.0.10/24")
            }
        }
        let applied = try await pve.apply(lab(.mib(10_752)))
        #expect(applied.succeeded, "\(applied.failures)")
        #expect(await pve.simulator.vmConfig(9000)?["scsi0"]?.contains("size=3584M") == true)
        #expect(await pve.simulator.vmConfig(200)?["scsi0"]?.contains("size=10752M") == true)
        #expect(try await pve.plan(lab(.mib(10_752))).actionLines == [])
        // A shrink is refused at plan time, at the VM's line, naming the real size; nothing is sent.
        let refused = await #expect(throws: PlanError.self) { _ = try await pve.plan(lab(.mib(512))) }
        let message = refused.map { "\($0)" } ?? ""
        #expect(message.contains("ProxmoxNodeResourcesTests.swift:"), "\(message)")
        #expect(message.contains("vm.web: the disk is 10752M on Proxmox and PVE cannot shrink disks"), "\(message)")
        #expect(await pve.simulator.vmConfig(200)?["scsi0"]?.contains("size=10752M") == true)
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
