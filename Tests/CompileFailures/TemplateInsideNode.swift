// Must compile: the control for TemplateOutsideNode.swift.
import HomelabKit

let lab = Lab("placed") {
    Proxmox(endpoint: "https://pve:8006", token: .environment("T")) {
        Node("pve") {
            Template("t", vmid: 9000, source: .cloudImage(url: "https://x/img", checksum: "sha256:0"))
        }
    }
}
