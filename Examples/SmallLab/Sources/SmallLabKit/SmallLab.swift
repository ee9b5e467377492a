import HomelabKit

/// A small lab: one Proxmox VM, a version pin that replaces the VM when bumped, and two hosts records.
public enum SmallLab {
    public static let lab = Lab("small") {
        DataResource("ubuntu", input: "24.04", triggersReplace: "24.04")
        Proxmox(endpoint: "https://192.168.20.2:8006", token: .environment("PROXMOX_API_TOKEN")) {
            Node("pve-small") {
                VM(
                    "web", vmid: 300, from: nil, cores: 2, memory: .mib(2048), ip: "192.168.20.10/24",
                    gateway: "192.168.20.1", replaceTriggeredBy: ["data.ubuntu"]
                )
            }
        }
        HostsRecord("web.lab", ip: "192.168.20.10")
        HostsRecord("pve.lab", ip: "192.168.20.2")
    }
}
