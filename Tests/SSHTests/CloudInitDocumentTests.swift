import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SeedHomelab
import Testing
import Yams

/// Every cloud-init document HomelabKit renders is checked by `cloud-init schema` (Debian's
/// cloud-init, installed by `scripts/setup --test`), a validator nobody here wrote.
@Suite struct CloudInitDocumentTests {
    /// Runs `cloud-init schema` on `document`; returns its exit status and output.
    func schema(_ document: String) async throws -> (Int32, String) {
        let path = ScratchSpace.path("user-data") + ".yaml"
        try document.write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await offCooperativePool { try Spawn.run("/usr/bin/cloud-init", ["schema", "--config-file", path]) }
    }

    static let seedUser = CloudConfig(
        hostname: "homelabk8s01-node-1",
        timezone: "America/Chicago",
        users: [
            CloudConfig.User(
                name: "media", groups: ["sudo"], sudo: "ALL=(ALL) NOPASSWD:ALL",
                sshAuthorizedKeys: [SeedHomelab.sshKey]
            )
        ],
        packages: ["qemu-guest-agent", "nfs-common"],
        packageUpdate: true,
        writeFiles: [CloudConfig.WriteFile(path: "/etc/modules-load.d/k8s.conf", content: "overlay\nbr_netfilter\n")],
        runcmd: [["systemctl", "enable", "--now", "qemu-guest-agent"], ["sh", "-c", "echo 'it''s; $(not run)' > /tmp/x"]]
    )

    @Test func userDataPassesCloudInitSchema() async throws {
        let document = try Self.seedUser.render()
        #expect(document.hasPrefix("#cloud-config\n"))
        let (status, output) = try await schema(document)
        #expect(status == 0, "cloud-init schema: \(output)")
        #expect(output.contains("Valid cloud-config"))
        // The argument list survives YAML exactly.
        let parsed = try Yams.load(yaml: document) as? [String: Any]
        #expect((parsed?["runcmd"] as? [[String]])?.last?.last == "echo 'it''s; $(not run)' > /tmp/x")
    }

    @Test func theSeedAutoinstallPassesCloudInitSchema() async throws {
        let document = try SeedHomelab.seedAutoinstall.userData.render()
        let (status, output) = try await schema(document)
        #expect(status == 0, "cloud-init schema: \(output)")
        let autoinstall = try #require((try Yams.load(yaml: document) as? [String: Any])?["autoinstall"] as? [String: Any])
        #expect(autoinstall["version"] as? Int == 1 && autoinstall["shutdown"] as? String == "poweroff")
        #expect((autoinstall["identity"] as? [String: Any])?["username"] as? String == "media")
        #expect((autoinstall["ssh"] as? [String: Any])?["authorized-keys"] as? [String] == [SeedHomelab.sshKey])
        #expect((autoinstall["late-commands"] as? [String])?.first == "echo 'media ALL=(ALL) NOPASSWD:ALL' > /target/etc/sudoers.d/media")
    }

    @Test func theValidatorRejectsABrokenDocument() async throws {
        let (status, output) = try await schema("#cloud-config\nusers: 42\npackage_update: sometimes\n")
        #expect(status != 0, "cloud-init schema accepted: \(output)")
    }

    @Test func networkConfigV2() throws {
        let network = NetworkConfig(ethernets: [
            "eth0": .staticIPv4("192.168.10.50/24", gateway: "192.168.10.1", nameservers: ["192.168.10.1"], mac: "BC:24:11:2E:C5:4A")
        ])
        let parsed = try Yams.load(yaml: try network.render()) as? [String: Any]
        #expect(parsed?["version"] as? Int == 2)
        let eth0 = (parsed?["ethernets"] as? [String: Any])?["eth0"] as? [String: Any]
        #expect(eth0?["addresses"] as? [String] == ["192.168.10.50/24"])
        #expect((eth0?["routes"] as? [[String: String]])?.first == ["to": "default", "via": "192.168.10.1"])
        #expect((eth0?["match"] as? [String: String])?["macaddress"] == "bc:24:11:2e:c5:4a")
    }
}
