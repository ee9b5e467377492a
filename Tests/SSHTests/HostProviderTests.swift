import Foundation
import HomelabKit
import HomelabKitTesting
import Testing

/// The `host` provider against a real sshd. Everything it touches lives in a scratch directory,
/// so the machine running the tests is not changed.
@Suite struct HostProviderTests {
    func lab(_ sshd: SSHDHarness, @DeclarationBuilder<any HostContent> _ contents: () -> DeclarationGroup<any HostContent>) -> Lab {
        let items = contents()
        return Lab("hosts") {
            Host(
                "local", address: "127.0.0.1", user: sshd.user, port: sshd.port,
                login: .key(sshd.directory + "/id_ed25519"), trust: .knownHosts(sshd.knownHosts)
            ) { items }
        }
    }

    func apply(_ lab: Lab, _ storage: InMemoryStateStorage) async throws -> ApplyResult {
        let workspace = Workspace(graph: try lab.compile(), storage: storage, providers: ProviderRegistry([HostProvider()]))
        let state = try workspace.loadState()
        return try await workspace.apply(try await workspace.plan(state: state), state: state)
    }

    func plan(_ lab: Lab, _ storage: InMemoryStateStorage) async throws -> Plan {
        let workspace = Workspace(graph: try lab.compile(), storage: storage, providers: ProviderRegistry([HostProvider()]))
        return try await workspace.plan(state: workspace.loadState())
    }

    @Test func filesAndCommandsConvergeAndDriftShows() async throws {
        let sshd = try await SSHDHarness.start()
        let storage = InMemoryStateStorage()
        let motd = sshd.directory + "/etc/motd it's"
        let marker = sshd.directory + "/marker"
        let desired = lab(sshd) {
            Command("scratch", ["mkdir", "-p", sshd.directory + "/etc"], creates: sshd.directory + "/etc")
            File(motd, content: "welcome to the homelab\n", mode: "0640", owner: sshd.user)
            Command("marker", ["touch", marker], creates: marker)
        }
        let first = try await apply(desired, storage)
        #expect(first.succeeded, "\(first.failures.map(\.message))")
        #expect(try String(contentsOfFile: motd, encoding: .utf8) == "welcome to the homelab\n")
        let mode = try FileManager.default.attributesOfItem(atPath: motd)[.posixPermissions] as? Int
        #expect(mode == 0o640)
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(try await plan(desired, storage).actionLines == [], "a second run changes nothing")

        // Someone edits the file and removes the marker: the plan shows exactly that.
        try "edited by hand\n".write(toFile: motd, atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: marker)
        let drift = try await plan(desired, storage)
        #expect(drift.actionLines == ["~ file.local/\(motd)", "+ command.local/marker"])
        let content = drift.changes.first { $0.action == .update }?.diffs.first { $0.path.description == "content" }
        #expect(content?.before == "edited by hand\n" && content?.after == "welcome to the homelab\n")
        #expect(try await apply(desired, storage).succeeded)
        #expect(try String(contentsOfFile: motd, encoding: .utf8) == "welcome to the homelab\n")
        #expect(FileManager.default.fileExists(atPath: marker))

        // A file removed from the description is removed from the host.
        let smaller = lab(sshd) { Command("scratch", ["mkdir", "-p", sshd.directory + "/etc"], creates: sshd.directory + "/etc") }
        #expect(try await apply(smaller, storage).succeeded)
        #expect(!FileManager.default.fileExists(atPath: motd))
    }

    @Test func linesAreReplacedOrAppendedAndDriftShows() async throws {
        let sshd = try await SSHDHarness.start()
        let storage = InMemoryStateStorage()
        let path = sshd.directory + "/sysctl.conf"
        try "vm.swappiness = 60\nkernel.panic = 10\n".write(toFile: path, atomically: false, encoding: .utf8)
        let swappiness = lab(sshd) {
            Line(path, line: "vm.swappiness = 10", matching: #"^vm\.swappiness\s*="#)
        }
        let both = lab(sshd) {
            Line(path, line: "vm.swappiness = 10", matching: #"^vm\.swappiness\s*="#)
            Line(path, line: "net.ipv4.ip_forward = 1")
        }
        #expect(try await apply(both, storage).succeeded)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "vm.swappiness = 10\nkernel.panic = 10\nnet.ipv4.ip_forward = 1\n")
        #expect(try await plan(both, storage).actionLines == [])

        try "vm.swappiness = 30\nkernel.panic = 10\nnet.ipv4.ip_forward = 1\n".write(toFile: path, atomically: false, encoding: .utf8)
        let drift = try await plan(both, storage)
        #expect(drift.actionLines == [#"~ line.local/\#(path):^vm\.swappiness\s*="#])
        #expect(try await apply(swappiness, storage).succeeded, "repairs the drift and drops the other line")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "vm.swappiness = 10\nkernel.panic = 10\n")
    }

    @Test func blocksBetweenMarkersAreReplacedInPlaceAndRemoved() async throws {
        let sshd = try await SSHDHarness.start()
        let storage = InMemoryStateStorage()
        let path = sshd.directory + "/exports"
        try "# existing\n/srv 10.0.0.0/8(ro)\n".write(toFile: path, atomically: false, encoding: .utf8)
        let block = { (content: String) in self.lab(sshd) { Block(path, name: "media", content: content) } }
        #expect(try await apply(block("/media 192.168.10.0/24(rw)\n"), storage).succeeded)
        let first = "# existing\n/srv 10.0.0.0/8(ro)\n# BEGIN HOMELABKIT media\n/media 192.168.10.0/24(rw)\n# END HOMELABKIT media\n"
        #expect(try String(contentsOfFile: path, encoding: .utf8) == first)
        #expect(try await plan(block("/media 192.168.10.0/24(rw)\n"), storage).actionLines == [])

        // Edited by hand inside the markers: drift, repaired in place.
        try first.replacingOccurrences(of: "(rw)", with: "(ro)").write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try await plan(block("/media 192.168.10.0/24(rw)\n"), storage).actionLines == ["~ block.local/\(path):media"])
        #expect(try await apply(block("/media 192.168.10.0/24(rw)\n/data 192.168.10.0/24(rw)\n"), storage).succeeded)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("(rw)\n/data 192.168.10.0/24(rw)\n# END HOMELABKIT media\n"))

        // Removed from the description: the block and its markers go, the rest stays.
        #expect(try await apply(lab(sshd) {}, storage).succeeded)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "# existing\n/srv 10.0.0.0/8(ro)\n")
    }

    @Test func unlessAndOnlyIfGuards() async throws {
        let sshd = try await SSHDHarness.start()
        let storage = InMemoryStateStorage()
        let flag = sshd.directory + "/flag"
        let log = sshd.directory + "/ran"
        let guarded = lab(sshd) {
            Command("append", ["sh", "-c", "echo ran >> \"$1\"", "sh", log], unless: ["test", "-e", flag])
            Command("never", ["touch", sshd.directory + "/never"], onlyIf: ["test", "-e", sshd.directory + "/missing"])
        }
        #expect(try await apply(guarded, storage).succeeded)
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "ran\n")
        #expect(!FileManager.default.fileExists(atPath: sshd.directory + "/never"), "onlyIf failed: not run")
        // The unless-guard still fails, so the next plan runs the command again; once the flag
        // exists, the command is done.
        #expect(try await plan(guarded, storage).actionLines == ["+ command.local/append"])
        _ = FileManager.default.createFile(atPath: flag, contents: nil)
        #expect(try await plan(guarded, storage).actionLines == [])
    }

    @Test func aFailingCommandStopsWithItsError() async throws {
        let sshd = try await SSHDHarness.start()
        let result = try await apply(lab(sshd) { Command("fails", ["sh", "-c", "echo nope >&2; exit 7"]) }, InMemoryStateStorage())
        #expect(result.failures.map(\.message).joined().contains("exited 7: nope"))
    }
}
