import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import Testing

/// Issue #13 point 1: a VM the Proxmox simulator starts boots a machine on the lab's bridge at
/// its cloud-init address, with its cloud-init user and key; destroyed, the machine goes.
@Suite struct SandboxGuestsTests {
    static let (image, imageSHA256) = (TestPVE.image, TestPVE.imageSHA256)

    /// The guest boots after the start task ended, as a real VM does.
    static func waitForMachine(_ guests: SandboxGuests) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while await guests.machine(200) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
    }

    /// Logs in as the cloud-init user with the real ssh client, inside the lab, and runs
    /// `command` after checking sudo and the address; the machine's namespace (the machine itself
    /// is not kept, so it can go once its VM stops).
    static func checkLogin(lab: LabNetwork, guests: SandboxGuests, key: String, command: String) async throws -> String {
        let problems = await guests.problems
        let machine = try #require(await guests.machine(200), "\(problems)")
        let (status, output) = try lab.run([
            "/usr/bin/ssh", "-i", key, "-o", "UserKnownHostsFile=\(machine.knownHosts)", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "media@192.168.10.50", "sudo -n id -u; ip -4 -o addr show eth0; \(command)",
        ])
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("0\n"), "the cloud-init user becomes root with sudo: \(output)")
        #expect(output.contains("192.168.10.50/24"))
        if command.contains("cat /root/marker") { #expect(output.hasSuffix("kept\n"), "the disk kept the file: \(output)") }
        return machine.namespace
    }

    @Test func aStartedVMBootsAMachineAtItsCloudInitAddress() async throws {
        let lab = try LabNetwork.create(addresses: ["192.168.10.2/24", "192.168.10.1/24"])
        let scratch = try ScratchSpace.directory("sandbox-guests")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let guests = SandboxGuests(lab: lab, disks: scratch + "/disks")
        let pve = try await TestPVE.start(caFile: scratch + "/ca.pem", guests: guests)
        _ = try Spawn.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", scratch + "/id"])
        let publicKey = try String(contentsOfFile: scratch + "/id.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let (endpoint, caFile) = (pve.endpoint, scratch + "/ca.pem")
        func description(vm: Bool, started: Bool = true) -> Lab {
            Lab("guests") {
                Proxmox(endpoint: endpoint, token: .environment("PROXMOX_API_TOKEN"), tls: .caFile(caFile)) {
                    Node("homelabpve01", address: "127.0.0.1") {
                        Template("tpl", vmid: 9000, source: .cloudImage(url: Self.image, checksum: "sha256:\(Self.imageSHA256)"))
                        if vm {
                            VM(
                                "web", vmid: 200, from: "tpl", ip: "192.168.10.50/24", gateway: "192.168.10.1", user: "media",
                                sshKeys: [publicKey], started: started)
                        }
                    }
                }
            }
        }
        let storage = InMemoryStateStorage()
        let providers = ProviderRegistry([ProxmoxProvider(environment: ["PROXMOX_API_TOKEN": pve.apiToken])])
        func apply(_ lab: Lab) async throws {
            let workspace = Workspace(graph: try lab.compile(), storage: storage, providers: providers)
            let state = try workspace.loadState()
            let result = try await workspace.apply(try await workspace.plan(state: state), state: state)
            #expect(result.succeeded, "\(result.failures.map(\.message))")
        }
        try await apply(description(vm: true))

        try await Self.waitForMachine(guests)
        _ = try await Self.checkLogin(lab: lab, guests: guests, key: scratch + "/id", command: "sudo -n sh -c 'echo kept > /root/marker'")

        // Stopped, the machine goes; started again, it boots from the same disk: same host key
        // (the strict known_hosts check passes), same files.
        try await apply(description(vm: true, started: false))
        #expect(await pve.isRunning(200) == false)
        #expect(await guests.machine(200) == nil)
        try await apply(description(vm: true))
        try await Self.waitForMachine(guests)
        let namespace = try await Self.checkLogin(lab: lab, guests: guests, key: scratch + "/id", command: "sudo -n cat /root/marker")
        #expect(FileManager.default.fileExists(atPath: scratch + "/disks/vm-200"))

        // Destroyed (stopped first), its machine goes.
        try await apply(description(vm: false))
        #expect(await guests.machine(200) == nil)
        // A generous bound: on a loaded machine the removal (SIGTERM, then SIGKILL after 2 s) is slow.
        let gone = ContinuousClock.now + .seconds(60)
        while try Spawn.run("/usr/sbin/ip", ["netns", "list"]).output.contains(namespace), ContinuousClock.now < gone {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try !Spawn.run("/usr/sbin/ip", ["netns", "list"]).output.contains(namespace))
        #expect(!FileManager.default.fileExists(atPath: scratch + "/disks/vm-200"), "destroyed with its VM")
        await pve.shutdown()
    }
}
