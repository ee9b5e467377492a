// Must NOT compile: a VM is a clone, so `from:` names a template (declared, or `.existing(…)` on
// the node); `nil` is refused by the type. scripts/test type-checks this file and expects the error.
import HomelabKit

let lab = Lab("no-template") {
    Proxmox(endpoint: "https://pve:8006", token: .environment("T")) {
        Node("pve") { VM("web", vmid: 200, from: nil, ip: "10.0.0.9/24") }
    }
}
