import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import Testing

/// The Proxmox parts that need SSH: template provisioning (Packer's provisioners) and snippets
/// for `cicustom`. The PVE API is the HTTPS simulator; SSH is a real sshd whose scratch
/// directory stands in for the build VM and the node.
@Suite struct ProxmoxOverSSHTests {
    static let (imageURL, imageSHA256) = (TestPVE.image, TestPVE.imageSHA256)

    struct Setup {
        let sshd: SSHDHarness
        let simulator: ProxmoxSimulator
        let caFile: String
        let storage = InMemoryStateStorage()

        static func start() async throws -> Setup {
            let caFile = ScratchSpace.path("pve-ca") + ".pem"
            let simulator = try await TestPVE.start(caFile: caFile)
            return Setup(sshd: try await SSHDHarness.start(), simulator: simulator, caFile: caFile)
        }

        func lab(ssh: NodeSSH? = nil, @DeclarationBuilder<any NodeContent> _ contents: () -> DeclarationGroup<any NodeContent>) -> Lab {
            let members = contents()
            return Lab("pve-ssh") {
                Proxmox(endpoint: simulator.endpoint, token: .environment("PROXMOX_API_TOKEN"), tls: .caFile(caFile)) {
                    Node("homelabpve01", address: "127.0.0.1", ssh: ssh) { members }
                }
            }
        }

        var login: HostLogin { .key(sshd.directory + "/id_ed25519") }
        var trust: HostTrust { .knownHosts(sshd.knownHosts) }

        func workspace(_ lab: Lab) throws -> Workspace {
            var options = ProxmoxClient.Options()
            options.retryDelay = .milliseconds(20)
            let proxmox = ProxmoxProvider(environment: ["PROXMOX_API_TOKEN": simulator.apiToken], clientOptions: options)
            return Workspace(graph: try lab.compile(), storage: storage, providers: ProviderRegistry([proxmox, HostProvider()]))
        }

        func apply(_ lab: Lab) async throws -> ApplyResult {
            let workspace = try workspace(lab)
            let state = try workspace.loadState()
            let result = try await workspace.apply(try await workspace.plan(state: state), state: state)
            #expect(result.succeeded, "\(result.failures.map(\.message))")
            return result
        }

        func plan(_ lab: Lab) async throws -> [String] {
            let workspace = try workspace(lab)
            return try await workspace.plan(state: workspace.loadState()).actionLines
        }
    }

    func template(_ setup: Setup, baked: String) -> Template {
        let scratch = setup.sshd.directory
        return Template(
            "tpl", vmid: 9000, source: .cloudImage(url: Self.imageURL, checksum: "sha256:\(Self.imageSHA256)"),
            provisioning: TemplateProvisioning(
                address: "127.0.0.1", user: setup.sshd.user, port: setup.sshd.port, login: setup.login, trust: setup.trust
            ) {
                File(scratch + "/baked", content: baked)
                Command("record", ["sh", "-c", "echo ran >> \"$1\"", "sh", scratch + "/runs"])
            })
    }

    @Test func provisioningRunsOverSSHBeforeTheTemplateIsSealedAndCloned() async throws {
        let setup = try await Setup.start()
        defer { Task { await setup.simulator.shutdown() } }
        let lab = { (baked: String) in
            setup.lab {
                template(setup, baked: baked)
                VM("clone", vmid: 200, from: "tpl", ip: "192.168.10.60/24", gateway: "192.168.10.1")
            }
        }
        let plan = try await setup.plan(lab("v1\n"))
        #expect(
            plan == [
                "+ node.homelabpve01", "+ template.tpl", "+ host.tpl", "+ file.tpl/\(setup.sshd.directory)/baked", "+ command.tpl/record",
                "+ template_seal.tpl",
                "+ vm.clone",
            ])
        _ = try await setup.apply(lab("v1\n"))
        #expect(try String(contentsOfFile: setup.sshd.directory + "/baked", encoding: .utf8) == "v1\n")
        #expect(await setup.simulator.vmConfig(9000)?["template"] == "1")
        #expect(await setup.simulator.vmConfig(200) != nil)
        // Booted for the steps, then shut down and sealed, then cloned.
        let requests = setup.simulator.requests
        let start = requests.firstIndex(of: "POST /nodes/{node}/qemu/{vmid}/status/start")
        let shutdown = requests.firstIndex(of: "POST /nodes/{node}/qemu/{vmid}/status/shutdown")
        let seal = requests.firstIndex(of: "POST /nodes/{node}/qemu/{vmid}/template")
        let clone = requests.firstIndex(of: "POST /nodes/{node}/qemu/{vmid}/clone")
        #expect(start != nil && shutdown != nil && seal != nil && clone != nil)
        if let start, let shutdown, let seal, let clone { #expect(start < shutdown && shutdown < seal && seal < clone) }
        #expect(setup.simulator.schemaViolations == [])

        // The sealed build VM is not read back over SSH: a second plan is clean.
        #expect(try await setup.plan(lab("v1\n")) == [])
        // A changed step rebuilds the template, reruns every step and seals it again.
        let rebuild = try await setup.plan(lab("v2\n"))
        #expect(
            rebuild.contains("-/+ template.tpl") && rebuild.contains("-/+ template_seal.tpl") && rebuild.contains("-/+ command.tpl/record"))
        _ = try await setup.apply(lab("v2\n"))
        #expect(try String(contentsOfFile: setup.sshd.directory + "/runs", encoding: .utf8) == "ran\nran\n")
        #expect(await setup.simulator.vmConfig(9000)?["template"] == "1")
    }

    @Test func snippetsAreUploadedOverSFTPForCicustom() async throws {
        let setup = try await Setup.start()
        defer { Task { await setup.simulator.shutdown() } }
        let user = CloudConfig(hostname: "web", packages: ["nginx"], runcmd: [["systemctl", "enable", "--now", "nginx"]])
        let ssh = NodeSSH(user: setup.sshd.user, port: setup.sshd.port, login: setup.login, trust: setup.trust)
        let lab = setup.lab(ssh: ssh) {
            Template("plain", vmid: 9001, source: .cloudImage(url: Self.imageURL, checksum: "sha256:\(Self.imageSHA256)"))
            Snippet("web.yaml", directory: setup.sshd.directory, cloudConfig: user)
            VM("web", vmid: 300, from: "plain", ip: "192.168.10.61/24", cloudInitCustom: "user=local:snippets/web.yaml")
        }
        let graph = try lab.compile()
        let snippetFile = "file.homelabpve01/\(setup.sshd.directory)/snippets/web.yaml"
        let web = try #require(graph[ResourceAddress(kind: "vm", name: "web")])
        #expect(web.dependencies.map(\.description).contains(snippetFile), "the VM waits for its snippet")

        // The snippets directory exists on a real node; here the scratch directory stands in.
        try FileManager.default.createDirectory(atPath: setup.sshd.directory + "/snippets", withIntermediateDirectories: true)
        _ = try await setup.apply(lab)
        let uploaded = try String(contentsOfFile: setup.sshd.directory + "/snippets/web.yaml", encoding: .utf8)
        #expect(uploaded == (try user.render()))
        #expect(await setup.simulator.vmConfig(300)?["cicustom"] == "user=local:snippets/web.yaml")
        let (status, output) = try await CloudInitDocumentTests().schema(uploaded)
        #expect(status == 0, "cloud-init schema: \(output)")
        #expect(try await setup.plan(lab) == [])
    }
}
