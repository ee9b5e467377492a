import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SeedHomelab
import Testing
import Yams

/// A template built the seed's (Packer's proxmox-iso) way against the simulator: ISO downloaded by
/// the node and checked against a SHA256SUMS file, a cidata seed built here and uploaded, the boot
/// command typed with sendkey, the install awaited, the media swapped for a cloud-init drive.
@Suite struct ISOTemplateTests {
    static let isoURL = "https://releases.ubuntu.com/noble/ubuntu-24.04.2-live-server-amd64.iso"
    static let isoSHA256 = String(repeating: "d6", count: 32)

    @Test func buildsATemplateFromTheUbuntuISO() async throws {
        // A stand-in for releases.ubuntu.com serving SHA256SUMS over HTTPS.
        let authority = try SandboxCertificateAuthority()
        let sums = try await SandboxHTTPSServer(identity: try authority.issueServer()) { request in
            guard request.path == "/noble/SHA256SUMS" else { return SandboxResponse(status: 404, reason: "Not Found") }
            let text =
                "\(String(repeating: "ab", count: 32)) *ubuntu-24.04.2-desktop-amd64.iso\n\(Self.isoSHA256) *ubuntu-24.04.2-live-server-amd64.iso\n"
            return SandboxResponse(status: 200, reason: "OK", body: Array(text.utf8))
        }
        defer { Task { await sums.shutdown() } }
        let pve = try await PVEHarness.start(
            { configuration in
                configuration.downloads[Self.isoURL] = Self.isoSHA256
                configuration.taskDurations.install = .milliseconds(300)
            },
            options: { $0.checksumTLS = TLSOptions(trust: .caPEM(authority.caPEM)) }
        )
        defer { Task { await pve.shutdown() } }
        let lab = pve.lab {
            SeedHomelab.network
            Template(
                "k8s-node-template", vmid: 9000,
                source: .iso(url: Self.isoURL, checksum: "file:\(sums.baseURL)/noble/SHA256SUMS", storage: "local"),
                cores: 2, memory: .mib(4096), disk: .gib(32), description: "K8s-ready Ubuntu 24.04",
                autoinstall: SeedHomelab.seedAutoinstall, bootWait: .zero
            )
            VM(
                "homelabk8s01-node-1", vmid: 200, from: "k8s-node-template", cores: 2, memory: .mib(8192), ip: "192.168.10.50/24",
                gateway: "192.168.10.1")
        }
        let result = try await pve.apply(lab)
        #expect(result.succeeded, "\(result.failures.map(\.message))")
        #expect(pve.simulator.schemaViolations == [])

        try await checkTemplateAndMedia(pve)
        try await checkUploadedSeed(pve)
        #expect(try await pve.plan(lab).actionLines == [])
    }

    /// A template with a cloud-init drive in place of the install media, which are gone.
    func checkTemplateAndMedia(_ pve: PVEHarness) async throws {
        let template = try #require(await pve.simulator.vmConfig(9000))
        #expect(template["template"] == "1")
        #expect(template["ide2"]?.hasPrefix("local-lvm:vm-9000-cloudinit") == true, "the install media became a cloud-init drive")
        #expect(template["ide3"] == nil)
        #expect(template["scsi0"]?.hasPrefix("local-lvm:base-9000-disk-0") == true)
        try await checkMediaAndKeys(pve)
    }

    /// The ISO stays, the seed is gone, every key of the boot command was typed, the clone exists.
    /// (Split from the check above: one body took 300 ms to type-check.)
    func checkMediaAndKeys(_ pve: PVEHarness) async throws {
        let volumes: [String] = await pve.simulator.volumes()
        #expect(volumes.contains("local:iso/ubuntu-24.04.2-live-server-amd64.iso"))
        #expect(!volumes.contains("local:iso/homelabkit-9000-cidata.iso"), "the seed is removed after the install")
        let keys = pve.simulator.requests.filter { $0 == "PUT /nodes/{node}/qemu/{vmid}/sendkey" }.count
        #expect(keys == BootCommandCount.keys(Template.ubuntuBootCommand))
        #expect(await pve.simulator.vmConfig(200)?["scsi0"]?.contains("vm-200-disk-0") == true)

    }

    /// The uploaded seed, read back by isoinfo: the autoinstall user-data Packer served over HTTP.
    func checkUploadedSeed(_ pve: PVEHarness) async throws {
        let seed = try #require(await pve.simulator.volumeBytes("local:iso/homelabkit-9000-cidata.iso"))
        let path = NSTemporaryDirectory() + "seed-\(UUID().uuidString).iso"
        try Data(seed).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let userData = try await offCooperativePool { try CIDataImageTests.runNow(["isoinfo", "-J", "-x", "/user-data", "-i", path]) }
        #expect(userData.hasPrefix("#cloud-config\n"))
        #expect(userData.hasPrefix("#cloud-config\n"))
        let document = try Yams.load(yaml: userData) as? [String: Any]
        let autoinstall = try #require(document?["autoinstall"] as? [String: Any])
        #expect(autoinstall["shutdown"] as? String == "poweroff")
        #expect((autoinstall["identity"] as? [String: Any])?["username"] as? String == "media")
        #expect((autoinstall["packages"] as? [String]) == ["qemu-guest-agent", "cloud-init"])

    }
}

/// Counts the key presses a boot command makes (letters, symbols and `<enter>`), independently of
/// the provider's own parser.
enum BootCommandCount {
    static func keys(_ lines: [String]) -> Int {
        lines.reduce(0) { total, line in
            let withoutWaits = line.replacingOccurrences(of: #"<wait\d*>"#, with: "", options: .regularExpression)
            let enters = withoutWaits.components(separatedBy: "<enter>").count - 1
            return total + withoutWaits.replacingOccurrences(of: "<enter>", with: "").count + enters
        }
    }
}
