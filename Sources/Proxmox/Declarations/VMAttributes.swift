import HomelabCore

/// A VM's attributes: what ``VM`` compiles to, what the plan diffs, what ``VMResource`` applies
/// and reads back. Each is named once, here.
public struct VMAttributes: Codable, Sendable, Equatable {
    public var node: String
    public var name: String?
    public var vmid: Int
    /// The template's name; `nil` for a template given by VMID only.
    public var template: String?
    /// Compiled in so a clone needs no lookup; a template found on the node by name has none.
    public var templateVMID: Int?
    public var cores: Int
    public var sockets: Int
    public var cpuType: String
    /// In MiB, as PVE's `memory` is.
    public var memory: Int
    public var disk: ByteSize
    public var diskStorage: String
    public var bridge: String?
    public var ip: String?
    public var gateway: String?
    public var nameservers: [String]
    public var searchDomain: String?
    public var user: String?
    public var sshKeys: [String]
    public var tags: [String]
    /// PCI resource mappings (`hostpci0 = mapping=igpu`).
    public var pci: [String]
    public var vga: String
    public var agent: Bool
    public var onBoot: Bool
    public var started: Bool
    public var description: String?
    /// Chosen by PVE at clone time.
    public var mac: Computed<String?>
    /// `cicustom`, such as `user=local:snippets/web.yaml`.
    public var cloudInitCustom: String?
    /// What apply does when a change needs the running VM restarted.
    public var restart: RestartPolicy
    /// Attributes whose new values wait for the VM's next start (PVE's pending changes, and
    /// cloud-init settings the guest has not booted with yet). Desired empty, unless the
    /// ``restart`` policy leaves changes pending.
    public var awaitingRestart: Computed<[String]>

    /// The names the resource type's rules use (``ProxmoxTypes/vm``), checked by the compiler.
    enum CodingKeys: String, CodingKey {
        case node, name, vmid, template, templateVMID, cores, sockets, cpuType, memory, disk, diskStorage, bridge, ip, gateway
        case nameservers, searchDomain, user, sshKeys, tags, pci, vga, agent, onBoot, started, description, mac, cloudInitCustom
        case restart, awaitingRestart
    }
}
