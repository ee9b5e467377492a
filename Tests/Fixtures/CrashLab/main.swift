import Foundation
import HomelabCLI
import HomelabKit

// The lab the crash campaign (`CrashCampaign`) applies, destroys and kills: a template, five VMs
// cloned from it, and data resources, against the Proxmox simulator the campaign runs. The
// endpoint and CA come from the environment; the token from PROXMOX_API_TOKEN.
let environment = ProcessInfo.processInfo.environment
let endpoint = environment["CRASH_LAB_ENDPOINT"] ?? "https://127.0.0.1:8006"
let caFile = environment["CRASH_LAB_CA_FILE"] ?? "pve-root-ca.pem"
let vmCount = environment["CRASH_LAB_VMS"].flatMap(Int.init) ?? 5

let lab = Lab("crash") {
    Proxmox(endpoint: endpoint, token: .environment("PROXMOX_API_TOKEN"), tls: .caFile(caFile)) {
        Node("pve") {
            Template(
                "crash-template", vmid: 9000,
                source: .cloudImage(
                    url: "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img",
                    checksum: "sha256:b1e3f0b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e"),
                cores: 2, memory: .mib(2048), disk: .gib(8)
            )
            for index in 0..<vmCount {
                VM(
                    "crash-\(index)", vmid: 200 + index, from: "crash-template", cores: 2, memory: .mib(2048), disk: .gib(10),
                    ip: "10.0.0.\(10 + index)/24")
            }
        }
    }
    for index in 0..<3 { DataResource("crash-\(index)", input: .int(index)) }
}
await HomelabCommand.main(lab: lab)
