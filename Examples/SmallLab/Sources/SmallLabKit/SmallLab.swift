import HomelabKit

/// A small lab: one Proxmox VM, a version pin that replaces the VM when bumped, and two hosts records.
public enum SmallLab {
    public static let lab = Lab("small") {
        DataResource("ubuntu", input: "24.04", triggersReplace: "24.04")
        Proxmox(endpoint: "https://192.168.20.2:8006", token: .environment("PROXMOX_API_TOKEN")) {
            Node("pve-small") {
                Template(
                    "ubuntu-24.04", vmid: 9000,
                    source: .cloudImage(
                        url: "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img",
                        checksum: "sha256:b1e3f0b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e")
                )
                VM(
                    "web", vmid: 300, from: "ubuntu-24.04", cores: 2, memory: .mib(2048), ip: "192.168.20.10/24",
                    gateway: "192.168.20.1", replaceTriggeredBy: ["data.ubuntu"]
                )
            }
        }
        HostsRecord("web.lab", ip: "192.168.20.10")
        HostsRecord("pve.lab", ip: "192.168.20.2")
    }
}
