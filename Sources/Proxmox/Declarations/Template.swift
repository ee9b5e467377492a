import HomelabCore
import HostConfig

/// A VM template that VMs are cloned from.
public struct Template: NodeContent {
    /// Where the template's disk comes from.
    public enum Source: Sendable, Hashable {
        /// An installer ISO, downloaded to `storage` and checked against `checksum`, installed
        /// unattended (Packer's proxmox-iso way).
        case iso(url: String, checksum: String, storage: String)
        /// A cloud image imported as the disk, configured by cloud-init.
        case cloudImage(url: String, checksum: String)

        var url: String {
            switch self {
            case .iso(let url, _, _), .cloudImage(let url, _): return url
            }
        }
    }

    public var name: String
    public var vmid: Int
    public var source: Source
    public var cores: Int
    public var memory: ByteSize
    public var disk: ByteSize
    public var diskStorage: String
    public var bridge: String
    public var cpuType: String
    public var scsiController: String
    public var description: String?
    /// Host items run over SSH on the installed VM before it is sealed (Packer's provisioners).
    public var provisioning: TemplateProvisioning?
    /// For an ISO source: the unattended install, the keys typed at the boot menu, and the wait
    /// before typing them (Packer's `boot_command` and `boot_wait`).
    public var autoinstall: Autoinstall?
    public var bootCommand: [String]
    public var bootWait: Duration
    public var location: SourceLocation

    /// Ubuntu 24.04 live-server from GRUB's console; the `cidata` seed is found by its label.
    public static let ubuntuBootCommand = [
        "c<wait>", "linux /casper/vmlinuz --- autoinstall<enter><wait>", "initrd /casper/initrd<enter><wait>", "boot<enter>",
    ]

    public init(
        _ name: String,
        vmid: Int,
        source: Source,
        cores: Int = 2,
        memory: ByteSize = .mib(2048),
        disk: ByteSize = .gib(32),
        diskStorage: String = "local-lvm",
        bridge: String = "vmbr0",
        cpuType: String = "host",
        scsiController: String = "virtio-scsi-single",
        description: String? = nil,
        provisioning: TemplateProvisioning? = nil,
        autoinstall: Autoinstall? = nil,
        bootCommand: [String] = Template.ubuntuBootCommand,
        bootWait: Duration = .seconds(5),
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.name = name
        self.vmid = vmid
        self.source = source
        self.cores = cores
        self.memory = memory
        self.disk = disk
        self.diskStorage = diskStorage
        self.bridge = bridge
        self.cpuType = cpuType
        self.scsiController = scsiController
        self.description = description
        self.provisioning = provisioning
        self.autoinstall = autoinstall
        self.bootCommand = bootCommand
        self.bootWait = bootWait
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public var address: ResourceAddress { ResourceAddress(kind: "template", name: name) }

    public func compile(on node: NodeContext, into graph: inout GraphBuilder) {
        ProxmoxValidation.checkMachine(
            name: name, what: "template", vmid: vmid, cores: cores, memory: memory, disk: disk,
            of: address, at: location, into: &graph
        )
        if !source.url.hasPrefix("https://") && !source.url.hasPrefix("http://") {
            graph.error("\(address): source URL '\(source.url)' must be http(s)", at: location, address: address)
        }
        if case .iso = source {
            if let autoinstall {
                ProxmoxValidation.checkPublicKeys(
                    autoinstall.authorizedKeys, "autoinstall.authorizedKeys", of: address, at: location, into: &graph)
                if !autoinstall.passwordHash.hasPrefix("$") {
                    graph.error(
                        "\(address): passwordHash must be a crypt(3) hash such as $6$…, never a password (make one with `openssl passwd -6`)",
                        at: location, address: address
                    )
                }
            } else {
                graph.error(
                    "\(address): a template from an ISO needs autoinstall: (hostname, user, password hash)", at: location, address: address)
            }
        }
        var references = [node.reference(at: location)]
        if node.bridges.contains(bridge) {
            references.append(Reference(ResourceAddress(kind: "bridge", name: "\(node.name)/\(bridge)"), at: location, purpose: "bridge"))
        }
        let provisioned = provisioning?.compile(for: address, name: name, at: location, into: &graph)
        if let provisioned {
            // Sealing (shutdown, then conversion to a template) waits for the last step.
            graph.add(
                ResourceSpec(
                    address: ResourceAddress(kind: "template_seal", name: name),
                    type: ProxmoxTypes.templateSeal,
                    attributes: TemplateSealAttributes(node: node.name, vmid: vmid, provisioning: provisioned.digest),
                    location: location,
                    references: [Reference(address, at: location, purpose: "template")]
                        + (provisioned.last.map { [Reference($0, at: location, purpose: "last provisioning step")] } ?? []),
                    replaceTriggeredBy: [Reference(address, at: location, purpose: "template")],
                    providerConfiguration: node.proxmox.configurationKey
                )
            )
        }
        graph.add(
            ResourceSpec(
                address: address,
                type: ProxmoxTypes.template,
                attributes: TemplateAttributes(
                    node: node.name, name: name, vmid: vmid, source: source, cores: cores, memory: memory.mebibytes, disk: disk,
                    diskStorage: diskStorage, bridge: bridge, cpuType: cpuType, scsiController: scsiController,
                    description: description, provisioning: provisioned?.digest, autoinstall: autoinstall, bootCommand: bootCommand,
                    bootWait: Int(bootWait.components.seconds)),
                location: location,
                references: references,
                claims: [UniqueClaim("VMID", String(vmid))],
                providerConfiguration: node.proxmox.configurationKey
            )
        )
    }
}
