import Foundation
import HomelabKit
import HomelabSandbox
import Testing

/// What the sandbox reads from a description before it starts anything, and what it refuses
/// (each reason naming what to change), and the hosts its internet answers for.
@Suite struct SandboxLayoutTests {
    static func lab(login: HostLogin = .key("~/.ssh/id_lab"), token: SecretReference = .environment("PVE_TOKEN")) -> Lab {
        Lab("layout") {
            Proxmox(endpoint: "https://192.168.30.2:8006", token: token) {
                Node("pve", address: "192.168.30.2", ssh: NodeSSH(login: login)) {
                    HostConfiguration { File("/etc/motd", content: "lab\n") }
                    Template(
                        "tpl", vmid: 9000,
                        source: .iso(
                            url: "https://releases.ubuntu.com/noble/ubuntu.iso",
                            checksum: "file:https://releases.ubuntu.com/noble/SHA256SUMS",
                            storage: "local"),
                        provisioning: TemplateProvisioning(address: "192.168.30.49", user: "ops", login: .key("~/.ssh/id_lab")) {
                            AptRepository("extra", uri: "http://apt.example.org/debian", suite: "bookworm", components: ["main"])
                        },
                        autoinstall: Autoinstall(hostname: "tpl", username: "ops", passwordHash: "$6$salt$hash"))
                    VM("a", vmid: 100, from: "tpl", ip: "192.168.30.10/24", gateway: "192.168.30.1", user: "ops")
                }
            }
        }
    }

    @Test func readsEndpointsNodesBuildVMsAddressesAndKeys() throws {
        let layout = try SandboxLayout(try Self.lab().compile())
        #expect(layout.proxmox.map { "\($0.host):\($0.port) \($0.tokenVariable) \($0.nodes)" } == ["192.168.30.2:8006 PVE_TOKEN [\"pve\"]"])
        #expect(layout.nodeMachines.map { "\($0.name)@\($0.address)" } == ["pve@192.168.30.2"])
        #expect(layout.buildVMs[9000]?.address == "192.168.30.49/24")
        #expect(layout.buildVMs[9000]?.user == "ops")
        #expect(layout.addresses == ["192.168.30.1/24", "192.168.30.2/24"])
        #expect(layout.gateway == "192.168.30.1")
        #expect(layout.keyFiles == ["~/.ssh/id_lab"])
        #expect(layout.knownHostsFiles == ["~/.ssh/known_hosts"])
    }

    @Test func refusesWhatItCannotStandInForBeforeStarting() throws {
        let graph = try Self.lab(login: .agent, token: .file("/etc/pve-token")).compile()
        #expect {
            _ = try SandboxLayout(graph)
        } throws: { error in
            let text = "\(error)"
            return text.contains("use token: .environment(\"NAME\")") && text.contains("instead of the SSH agent")
        }
        let absolute = try Self.lab(login: .key("/root/.ssh/id_lab")).compile()
        #expect(throws: SandboxError.self) { _ = try SandboxLayout(absolute) }
    }

    @Test func theInternetAnswersForEveryHostTheDescriptionFetchesFrom() throws {
        let hosts = SandboxInternet.hosts(in: try Self.lab().compile())
        #expect(hosts == ["apt.example.org", "deb.debian.org", "releases.ubuntu.com"])
        let file = SandboxInternet.hostsFile(hosts, address: "192.168.30.1")
        #expect(file.contains("192.168.30.1\treleases.ubuntu.com\n"))
    }
}
