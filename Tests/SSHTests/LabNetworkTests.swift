import Foundation
import HomelabSandbox
import Testing

/// Issue #13 point 1: a lab's addresses exist only inside namespaces the sandbox makes. Machines
/// plug into the lab's bridge at their declared addresses; what a killed run left is removed by
/// the next one.
@Suite struct LabNetworkTests {
    /// Runs `command` on `machine` with the real ssh client, from inside the lab's network.
    static func ssh(_ lab: LabNetwork, _ machine: DisposableRoot, _ command: String) throws -> (status: Int32, output: String) {
        try lab.run([
            "/usr/bin/ssh", "-i", machine.key, "-o", "UserKnownHostsFile=\(machine.knownHosts)", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "root@\(machine.address)", command,
        ])
    }

    @Test func machinesAnswerAtTheirDeclaredAddressesOnlyInsideTheLab() async throws {
        var names: [String] = []
        do {
            let lab = try LabNetwork.create(addresses: ["192.168.10.2/24", "192.168.10.1/24"])
            let node = try await DisposableRoot.start(network: .shared(lab, address: "192.168.10.2"))
            let vm = try await DisposableRoot.start(network: .bridged(lab, address: "192.168.10.50/24", gateway: "192.168.10.1"))
            names = [lab.namespace, vm.namespace]
            for machine in [node, vm] {
                let (status, output) = try Self.ssh(lab, machine, "ip -4 -o addr show")
                #expect(status == 0, "\(output)")
                #expect(output.contains(" \(machine.address)/24 "), "\(machine.address): \(output)")
            }
            // The VM reaches its host across the bridge, as a VM on vmbr0 reaches its Proxmox node.
            #expect(try Self.ssh(lab, vm, "bash -c ': </dev/tcp/192.168.10.2/22'").status == 0)
            #expect(try Self.ssh(lab, vm, "ip route show default").output.contains("via 192.168.10.1"))
            // Nothing of the lab is in the namespace this process runs in.
            let (_, addresses) = try Spawn.run("/usr/sbin/ip", ["-4", "-o", "addr", "show"])
            #expect(!addresses.contains("192.168.10."))
            #expect(!lab.containsThisProcess)
        }
        // Released, the lab and the VM's namespace go (the machine's removal runs off the pool).
        let deadline = ContinuousClock.now + .seconds(10)
        var left = names
        while !left.isEmpty, ContinuousClock.now < deadline {
            let (_, listed) = try Spawn.run("/usr/sbin/ip", ["netns", "list"])
            left = names.filter { listed.contains($0) }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(left == [])
    }

    @Test func whatAKilledRunLeftIsRemovedByTheNext() throws {
        // A lab whose owner is dead: a process that has exited.
        let (_, pidText) = try Spawn.run("/bin/sh", ["-c", "echo $$"])
        let dead = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let namespace = "hklabstale\(getpid() % 1000)"
        _ = try Spawn.run("/usr/sbin/ip", ["netns", "add", namespace])
        try FileManager.default.createDirectory(atPath: "/run/homelabkit", withIntermediateDirectories: true)
        try "\(dead)\n".write(toFile: "/run/homelabkit/\(namespace)", atomically: false, encoding: .utf8)
        // Its temporary files (a build script's folder, a command's output), and this process's.
        let temporary = NSTemporaryDirectory()
        let deadFolder = temporary + "homelabkit-\(dead)-archive.test"
        let deadOutput = temporary + "homelabkit-\(dead)-spawn-test.out"
        let ours = TemporaryFiles.path("kept")
        try FileManager.default.createDirectory(atPath: deadFolder + "/debs", withIntermediateDirectories: true)
        for file in [deadOutput, ours] { try Data().write(to: URL(fileURLWithPath: file)) }
        defer { try? FileManager.default.removeItem(atPath: ours) }
        #expect(TemporaryFiles.owned(by: dead).sorted() == [deadFolder, deadOutput])
        LabNetwork.removeStale()
        let (_, listed) = try Spawn.run("/usr/sbin/ip", ["netns", "list"])
        #expect(!listed.contains(namespace))
        #expect(!FileManager.default.fileExists(atPath: "/run/homelabkit/\(namespace)"))
        #expect(TemporaryFiles.owned(by: dead) == [], "a dead process's temporary files go")
        #expect(FileManager.default.fileExists(atPath: ours), "a living one's stay")
    }

    /// The kernel hands a dead owner's pid out again: a process started after a record or a
    /// temporary file was last written is not its owner, and does not keep it. A machine the dead
    /// run started before it recorded its pid is found by the folder it boots from.
    @Test func aPidTakenAgainDoesNotKeepWhatADeadRunLeft() throws {
        // A process that started after the files below "were written" (their times set an hour back).
        let newcomer = try Spawn.start("/bin/sh", ["-c", "sleep 60"])
        let folder = TemporaryFiles.path("machine-folder")
        let machine = try Spawn.start("/bin/sh", ["-c", "sleep 60", "enter.sh", folder])
        defer {
            kill(newcomer, SIGKILL)
            _ = Spawn.wait(newcomer)
        }
        let namespace = "hklabreused\(getpid() % 1000)"
        _ = try Spawn.run("/usr/sbin/ip", ["netns", "add", namespace])
        try FileManager.default.createDirectory(atPath: "/run/homelabkit", withIntermediateDirectories: true)
        let record = "/run/homelabkit/\(namespace)"
        try "\(newcomer)\nmachine at \(folder)\n".write(toFile: record, atomically: false, encoding: .utf8)
        let output = NSTemporaryDirectory() + "homelabkit-\(newcomer)-spawn-test.out"
        try Data().write(to: URL(fileURLWithPath: output))
        let anHourAgo = Date().addingTimeInterval(-3600)
        for path in [record, output] {
            try FileManager.default.setAttributes([.modificationDate: anHourAgo], ofItemAtPath: path)
        }
        LabNetwork.removeStale()
        #expect(!FileManager.default.fileExists(atPath: record), "the record of a dead owner goes, though its pid lives again")
        #expect(!FileManager.default.fileExists(atPath: output))
        // (Were it not killed, its sleep would end it within a minute.)
        #expect(Spawn.wait(machine) == -1, "the machine it started before recording its pid is killed")
        #expect(kill(newcomer, 0) == 0, "the process that took the pid is left alone")
        // Its own files, written now, stay.
        let current = NSTemporaryDirectory() + "homelabkit-\(newcomer)-current.out"
        try Data().write(to: URL(fileURLWithPath: current))
        defer { try? FileManager.default.removeItem(atPath: current) }
        TemporaryFiles.removeStale()
        #expect(FileManager.default.fileExists(atPath: current))
    }
}
