import HomelabKit
import Testing

@Suite struct ValidationTests {
    private func diagnostics(_ lab: Lab) -> [Diagnostic] {
        do {
            _ = try lab.compile()
            return []
        } catch {
            return error.items
        }
    }

    /// Issue #13 point 4: public keys are parsed at validate, as sshd reads authorized_keys.
    @Test func aMalformedPublicKeyIsAnErrorAtItsLine() {
        let good = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFJFUExBQ0UtV0lUSC1ZT1VSLU9XTi1QVUJMSUMtS0VZ replace-me@homelab"
        let keys = [
            good, "from=\"10.0.0.0/8\" " + good,
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHomelabKitSeedPublicKeyReplaceWithYours media@homelab",
            "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIFJFUExBQ0UtV0lUSC1ZT1VSLU9XTi1QVUJMSUMtS0VZ", "ssh-ed25519 not*base64", "media@homelab",
        ]
        let line = #line + 4
        let lab = Lab("keys") {
            Proxmox(endpoint: "https://pve:8006", token: .environment("T")) {
                Node("pve") {
                    VM("a", vmid: 200, from: .existing("base"), ip: "10.0.0.5/24", sshKeys: keys)
                }
            }
        }
        let found = diagnostics(lab)
        #expect(
            found.map(\.message) == [
                "vm.a: sshKeys[2] is not an OpenSSH public key: the ssh-ed25519 key data is truncated or has bytes left over",
                "vm.a: sshKeys[3] is not an OpenSSH public key: the key data is not a ssh-rsa key (its blob names another type)",
                "vm.a: sshKeys[4] is not an OpenSSH public key: the ssh-ed25519 key data is not base64",
                "vm.a: sshKeys[5] is not an OpenSSH public key: it starts with 'media@homelab', not a key type such as ssh-ed25519 or ssh-rsa",
            ])
        #expect(found.allSatisfy { $0.location.line == line })
    }

    @Test func everyProblemIsReportedInOnePassWithItsLine() {
        let line = #line + 4
        let lab = Lab("broken") {
            Proxmox(endpoint: "https://pve:8006", token: .environment("T")) {
                Node("pve") {
                    VM("a", vmid: 200, from: "missing-template", ip: "10.0.0.5/24", gateway: "10.0.1.1")
                    VM("b", vmid: 200, from: "t", memory: .mib(0), ip: "10.0.0.300/24")
                    VM("a", vmid: 201, from: "t", cores: 0, ip: "10.0.0.7/24")
                    Template("t", vmid: 200, source: .cloudImage(url: "https://x/img", checksum: "sha256:0"))
                }
            }
            Cluster("k", kubernetes: "1.31.4", controlPlane: ["a"], workers: ["a", "b"], podSubnet: "10.244.0.1/16") {}
        }
        let found = diagnostics(lab)
        let messages = found.map(\.message)
        #expect(messages.contains { $0.contains("refers to template.missing-template") })
        #expect(messages.contains { $0.contains("gateway 10.0.1.1 is outside the subnet 10.0.0.0/24") })
        #expect(messages.contains { $0.contains("VMID 200 is used by both vm.a and vm.b") })
        #expect(messages.contains { $0.contains("VMID 200 is used by both vm.a and template.t") })
        #expect(messages.contains { $0.contains("'10.0.0.300/24' is not an IPv4 address") })
        #expect(messages.contains { $0.contains("memory must be positive") })
        #expect(messages.contains { $0.contains("cores must be positive") })
        #expect(messages.contains { $0.contains("vm.a is declared twice") })
        #expect(messages.contains { $0.contains("a is listed both as control plane and as worker") })
        #expect(messages.contains { $0.contains("podSubnet 10.244.0.1/16 has host bits set") })
        let dangling = found.first { $0.message.contains("missing-template") }
        #expect(dangling?.location.fileID == "HomelabKitTests/ValidationTests.swift")
        #expect(dangling?.location.line == line)
        #expect(found.allSatisfy { $0.location.fileID == "HomelabKitTests/ValidationTests.swift" })
    }

    @Test func cyclesArePrintedWhole() {
        let lab = Lab("cycle") {
            DataResource("a", dependsOn: ["data.c"])
            DataResource("b", dependsOn: ["data.a"])
            DataResource("c", dependsOn: ["data.b"])
            DataResource("free")
        }
        let found = diagnostics(lab)
        #expect(found.count == 1)
        #expect(found.first?.message == "dependency cycle: data.a → data.c → data.b → data.a")
        #expect(found.first?.notes.count == 3)
    }

    @Test func malformedAddressesInDependsOnAreErrors() {
        let found = diagnostics(Lab("x") { DataResource("a", dependsOn: ["nodot"]) })
        #expect(found.map(\.message) == ["'nodot' is not a resource address; write kind.name, such as vm.web"])
    }

    @Test func addressesDoNotDependOnNesting() throws {
        @DeclarationBuilder<any NodeContent> var grouped: DeclarationGroup<any NodeContent> {
            Template("t", vmid: 9000, source: .cloudImage(url: "https://x/img", checksum: "sha256:0"))
            VM("web", vmid: 300, from: "t", ip: "10.0.0.9/24")
        }
        let flat = try Lab("x") {
            Proxmox(endpoint: "https://pve:8006", token: .environment("T")) {
                Node("pve") {
                    Template("t", vmid: 9000, source: .cloudImage(url: "https://x/img", checksum: "sha256:0"))
                    VM("web", vmid: 300, from: "t", ip: "10.0.0.9/24")
                }
            }
        }.compile()
        let nested = try Lab("x") {
            Proxmox(endpoint: "https://pve:8006", token: .environment("T")) {
                Node("pve") {
                    if true { grouped }
                }
            }
        }.compile()
        #expect(flat.addresses == nested.addresses)
        #expect(flat["vm.web"]?.attributes == nested["vm.web"]?.attributes)
    }

    /// Issue #11 e: what PVE or the engine would refuse, or get wrong, later is an error at validate
    /// time, at the Swift line.
    @Test func whatApplyWouldRefuseIsCaughtAtValidate() {
        let line = #line + 4
        let lab = Lab("bad") {
            Proxmox(endpoint: "https://pve:8006", token: .environment("")) {
                Node("pve") {
                    Template("t", vmid: 9000, source: .cloudImage(url: "https://x/img", checksum: "sha256:0"), memory: .mib(8))
                    VM(String(repeating: "n", count: 10_000), vmid: 300, from: "t", ip: "10.0.0.9/24")
                    VM("huge", vmid: 301, from: "t", disk: .gib(9_000_000_000), ip: "10.0.0.10/24")
                    VM("under_score", vmid: 302, from: "t", ip: "10.0.0.11/24")
                }
            }
            DataResource("forged\n  + vm.evil will be created", input: "x")
            DataResource("escape\u{1b}[2J", input: "x")
            DataResource("real", input: "x")
            Output("missing", resource: "data.real", attribute: "no_such_attribute")
        }
        let found = diagnostics(lab)
        let messages = found.map(\.message)
        #expect(messages.contains { $0.contains("the Proxmox token: '' is not an environment variable name") })
        #expect(messages.contains { $0.contains("memory 8 MiB is below PVE's minimum of 16 MiB") })
        #expect(messages.contains { $0.contains("is not a DNS name PVE accepts") && $0.contains("(10000 characters)") })
        #expect(messages.contains { $0.contains("vm.huge: disk is too large to represent") })
        #expect(messages.contains { $0.contains("'under_score' is not a DNS name") })
        #expect(messages.contains { $0.contains("data.forged\\u{a}  + vm.evil") && $0.contains("control characters") })
        #expect(messages.contains { $0.contains("data.escape\\u{1b}[2J") })
        #expect(messages.contains { $0.contains("output missing refers to data.real.no_such_attribute, which data.real does not have") })
        #expect(!messages.contains { $0.contains("\n") || $0.contains("\u{1b}") }, "no message carries a raw control character")
        #expect(found.contains { $0.location.line == line })
    }

    @Test func insecureTLSWarns() throws {
        let graph = try Lab("x") {
            Proxmox(endpoint: "https://pve:8006", token: .environment("T"), tls: .insecure) { Node("pve") {} }
        }.compile()
        #expect(graph.warnings.contains { $0.message.contains("TLS verification is off") }, "\(graph.warnings) \(graph.resources.count)")
    }

    @Test func applicationsNeedArgoCD() {
        let found = diagnostics(
            Lab("x") {
                Cluster("k", kubernetes: "1.31.4", controlPlane: ["cp"]) {
                    Application("app", namespace: "default", source: .git(repo: "https://git/x", path: "p"))
                }
            }
        )
        #expect(found.contains { $0.message.contains("needs ArgoCD") })
        #expect(found.contains { $0.message.contains("refers to vm.cp") })
    }
}
