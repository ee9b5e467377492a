import Foundation
import HomelabCLI
import HomelabKit

// A small homelab with every stage the sandbox runs: a Proxmox node configured over SSH, a
// template, two VMs, a kubeadm cluster on them with Cilium, and a workload. `SandboxTests`
// applies it with `--sandbox` as a real process; SANDBOX_LAB_CORES edits one VM.
let cores = ProcessInfo.processInfo.environment["SANDBOX_LAB_CORES"].flatMap(Int.init) ?? 2
let key = "~/.ssh/id_ed25519_lab"
let trust = HostTrust.trustOnFirstUse(recordingIn: "~/.ssh/known_hosts")

let lab = Lab("sandbox-lab") {
    Proxmox(endpoint: "https://192.168.77.2:8006", token: .environment("LAB_PVE_TOKEN"), tls: .caFile("pve-root-ca.pem")) {
        Node("pve1", address: "192.168.77.2", ssh: NodeSSH(login: .key(key), trust: trust)) {
            HostConfiguration {
                File("/etc/motd", content: "A HomelabKit sandbox node.\n")
                Sysctl("net.ipv4.ip_forward", "1")
            }
            Template(
                "ubuntu", vmid: 9000,
                source: .cloudImage(
                    url: "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img",
                    checksum: "sha256:b1e3f0b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e"))
            VM("k1", vmid: 100, from: "ubuntu", cores: cores, ip: "192.168.77.10/24", gateway: "192.168.77.1", user: "ops")
            VM("k2", vmid: 101, from: "ubuntu", ip: "192.168.77.11/24", gateway: "192.168.77.1", user: "ops")
        }
    }
    Cluster(
        "lab", kubernetes: "1.31.4", controlPlane: ["k1"], workers: ["k2"], skipKubeProxy: true,
        access: SSHAccess(user: "ops", login: .key(key), trust: trust)
    ) {
        Cilium("1.19.1", kubeProxyReplacement: true)
        Manifest(
            "greeting", yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: greeting, namespace: default}\ndata: {hello: world}\n")
    }
}
await HomelabCommand.main(lab: lab)
