import HomelabCore

/// A virtual machine cloned from a template and configured by cloud-init.
///
/// Its Proxmox settings are a ``VMAttributes`` (each named once, there) and read as members:
/// `vm.cores`, `vm.tags`.
@dynamicMemberLookup
public struct VM: NodeContent {
    public var name: String
    public var template: TemplateReference
    public var memory: ByteSize
    /// Everything else as it reaches Proxmox; the node and template VMID are filled in at compile.
    public var settings: VMAttributes
    public var dependsOn: [String]
    public var replaceTriggeredBy: [String]
    public var location: SourceLocation

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<VMAttributes, T>) -> T {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    public init(
        _ name: String,
        vmid: Int,
        from template: TemplateReference,
        cores: Int = 1,
        sockets: Int = 1,
        cpuType: String = "host",
        memory: ByteSize = .mib(2048),
        disk: ByteSize = .gib(32),
        diskStorage: String = "local-lvm",
        bridge: String = "vmbr0",
        ip: String,
        gateway: String? = nil,
        nameservers: [String] = [],
        searchDomain: String? = nil,
        user: String? = nil,
        sshKeys: [String] = [],
        tags: [String] = [],
        pci: [String] = [],
        vga: String = "std",
        agent: Bool = true,
        onBoot: Bool = true,
        started: Bool = true,
        description: String? = nil,
        cloudInitCustom: String? = nil,
        restart: RestartPolicy = .shutdownAndStart,
        dependsOn: [String] = [],
        replaceTriggeredBy: [String] = [],
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.name = name
        self.template = template
        self.memory = memory
        self.settings = VMAttributes(
            node: "", name: name, vmid: vmid, template: template.name, templateVMID: nil, cores: cores, sockets: sockets,
            cpuType: cpuType, memory: memory.mebibytes, disk: disk, diskStorage: diskStorage, bridge: bridge, ip: ip, gateway: gateway,
            nameservers: nameservers, searchDomain: searchDomain, user: user, sshKeys: sshKeys, tags: tags, pci: pci, vga: vga,
            agent: agent, onBoot: onBoot, started: started, description: description, mac: .unknown,
            cloudInitCustom: cloudInitCustom, restart: restart, awaitingRestart: .unknown)
        self.dependsOn = dependsOn
        self.replaceTriggeredBy = replaceTriggeredBy
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public var address: ResourceAddress { ResourceAddress(kind: "vm", name: name) }

    public func compile(on node: NodeContext, into graph: inout GraphBuilder) {
        ProxmoxValidation.checkMachine(
            name: name, what: "VM", vmid: settings.vmid, cores: settings.cores, memory: memory, disk: settings.disk,
            of: address, at: location, into: &graph
        )
        ProxmoxValidation.checkPositive(settings.sockets, "sockets", of: address, at: location, into: &graph)
        let interface = ProxmoxValidation.checkAddress(
            ip: settings.ip ?? "", gateway: settings.gateway, of: address, at: location, into: &graph)
        ProxmoxValidation.checkPublicKeys(settings.sshKeys, "sshKeys", of: address, at: location, into: &graph)
        for server in settings.nameservers where IPv4Address(server) == nil {
            graph.error("\(address): nameserver '\(server)' is not an IPv4 address", at: location, address: address)
        }
        for tag in settings.tags where tag.isEmpty || tag.contains(where: { $0 == ";" || $0 == "," || $0 == " " }) {
            graph.error("\(address): tag '\(tag)' must be non-empty without ';', ',' or spaces", at: location, address: address)
        }

        var references = [node.reference(at: location)]
        if case .declared(let name) = template.target {
            references.append(Reference(ResourceAddress(kind: "template", name: name), at: location, purpose: "template"))
            if node.sealedTemplates.contains(name) {
                references.append(Reference(ResourceAddress(kind: "template_seal", name: name), at: location, purpose: "template"))
            }
        }
        if case .existingVMID(let templateVMID) = template.target {
            ProxmoxValidation.checkVMID(templateVMID, of: address, at: location, into: &graph)
        }
        if let cloudInitCustom = settings.cloudInitCustom {
            for (volume, file) in node.snippets where cloudInitCustom.contains(volume) {
                references.append(Reference(file, at: location, purpose: "snippet"))
            }
        }
        if let bridge = settings.bridge, node.bridges.contains(bridge) {
            references.append(Reference(ResourceAddress(kind: "bridge", name: "\(node.name)/\(bridge)"), at: location, purpose: "bridge"))
        }
        for mapping in settings.pci {
            references.append(Reference(ResourceAddress(kind: "pci", name: mapping), at: location, purpose: "PCI mapping"))
        }
        references += graph.references(dependsOn, purpose: "dependsOn", at: location)

        var claims = [UniqueClaim("VMID", String(settings.vmid))]
        if let interface { claims.append(UniqueClaim("IP address", interface.address.description)) }

        var attributes = settings
        attributes.node = node.name
        attributes.name = name
        attributes.template = template.name
        attributes.templateVMID = templateVMID(on: node)
        attributes.memory = memory.mebibytes
        // Nothing may wait for a restart, unless the policy leaves it pending.
        attributes.awaitingRestart = settings.restart == .leavePending || !settings.started ? .unknown : .known([])
        graph.add(
            ResourceSpec(
                address: address,
                type: ProxmoxTypes.vm,
                attributes: attributes,
                location: location,
                references: references,
                replaceTriggeredBy: graph.references(replaceTriggeredBy, purpose: "replaceTriggeredBy", at: location),
                claims: claims,
                providerConfiguration: node.proxmox.configurationKey
            )
        )
    }

    private func templateVMID(on node: NodeContext) -> Int? {
        switch template.target {
        case .declared(let name): return node.templates[name]
        case .existing: return nil
        case .existingVMID(let vmid): return vmid
        }
    }
}
