// Must NOT compile: a Template belongs inside a Node. scripts/test type-checks this file and
// expects exactly this error.
import HomelabKit

let lab = Lab("misplaced") {
    Proxmox(endpoint: "https://pve:8006", token: .environment("T")) {
        Template("t", vmid: 9000, source: .cloudImage(url: "https://x/img", checksum: "sha256:0"))
    }
}
