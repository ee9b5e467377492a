import Foundation
import HomelabSandbox
import Testing

@Suite struct PVESchemaTests {
    let schema: PVESchema

    init() throws { schema = try PVESchema.official() }

    @Test func loadsTheWholeAPI() {
        #expect(schema.endpointCount == 649)
        #expect(schema.match("/nodes/pve/qemu/100/clone")?.template == "/nodes/{node}/qemu/{vmid}/clone")
        #expect(schema.match("/nodes/pve/qemu/100/clone")?.parameters == ["node": "pve", "vmid": "100"])
        #expect(schema.match("/cluster/nextid")?.template == "/cluster/nextid")
    }

    /// One value per key, as a form body sends them (a plain dictionary literal type-checks fast).
    static let wellFormedConfig: [String: String] = [
        "cores": "2", "memory": "8192", "onboot": "1", "net0": "virtio,bridge=vmbr0,firewall=1",
        "ipconfig0": "ip=192.168.10.50/24,gw=192.168.10.1", "sshkeys": "ssh-ed25519%20AAAA%20me%40host",
        "tags": "k8s;node", "hostpci0": "mapping=igpu,pcie=1", "agent": "enabled=1", "scsihw": "virtio-scsi-single",
        "cpu": "host", "nameserver": "1.1.1.1", "delete": "ide2,unused0",
    ]

    @Test func acceptsAWellFormedRequest() {
        let parameters = Self.wellFormedConfig.mapValues { [$0] }
        let problems = schema.violations(method: "PUT", path: "/nodes/pve/qemu/200/config", parameters: parameters)
        #expect(problems == [])
        #expect(schema.violations(method: "POST", path: "/nodes/pve/qemu/9000/clone", parameters: ["newid": ["200"], "full": ["1"]]) == [])
    }

    @Test func catchesWhatPVEWouldRefuse() {
        func problems(_ method: String, _ path: String, _ parameters: [String: [String]]) -> [String] {
            schema.violations(method: method, path: path, parameters: parameters)
        }
        #expect(problems("GET", "/nodes/pve/nothing", [:]).first?.contains("no such path") == true)
        #expect(problems("PATCH", "/version", [:]).first?.contains("no such method") == true)
        #expect(
            problems("PUT", "/nodes/pve/qemu/200/config", ["onboot": ["true"]]) == [
                "PUT /nodes/{node}/qemu/{vmid}/config: 'onboot': type check ('boolean') failed - got 'true'"
            ])
    }

    // Split from the test above: one body took 300 ms to type-check.
    @Test func catchesValuesPVEWouldRefuse() {
        func problems(_ method: String, _ path: String, _ parameters: [String: [String]]) -> [String] {
            schema.violations(method: method, path: path, parameters: parameters)
        }
        #expect(problems("PUT", "/nodes/pve/qemu/200/config", ["cores": ["0"]]).count == 1)
        #expect(problems("PUT", "/nodes/pve/qemu/200/config", ["scsihw": ["fast"]]).count == 1)
        #expect(problems("PUT", "/nodes/pve/qemu/200/config", ["colour": ["red"]]).first?.contains("unknown parameter 'colour'") == true)
        #expect(problems("PUT", "/nodes/pve/qemu/200/config", ["net0": ["virtio,bridge=vmbr0,speed=9"]]).count == 1)
        #expect(problems("PUT", "/nodes/pve/qemu/200/config", ["sshkeys": ["ssh-ed25519 AAAA me@host"]]).count == 1)
        #expect(problems("PUT", "/nodes/pve/qemu/200/config", ["hostpci0": ["pcie=1"]]).count == 1)
        #expect(
            problems("POST", "/nodes/pve/qemu/9000/clone", [:]) == [
                "POST /nodes/{node}/qemu/{vmid}/clone: required parameter 'newid' is missing"
            ])
        #expect(problems("POST", "/nodes/pve/qemu/99/clone", ["newid": ["200"]]).count == 1)
    }

    @Test func formDecodingHasPVEsTraps() {
        #expect(PVEFormDecoder.decode("agent=enabled=1") == ["agent": ["enabled"]])
        #expect(PVEFormDecoder.decode("boot=order=scsi0;ide2") == ["boot": ["order"], "ide2": [""]])
        #expect(PVEFormDecoder.decode("boot=order%3Dscsi0%3Bide2&name=a+b") == ["boot": ["order=scsi0;ide2"], "name": ["a b"]])
        #expect(PVEFormDecoder.decode("map=a&map=b") == ["map": ["a", "b"]])
    }
}
