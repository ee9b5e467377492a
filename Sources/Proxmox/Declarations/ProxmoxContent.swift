import HomelabCore

/// What may appear inside `Proxmox { }`: nodes.
public protocol ProxmoxContent: Sendable {
    func compile(in proxmox: ProxmoxContext, into graph: inout GraphBuilder)
}

/// What may appear inside `Node { }`: bridges, storage, PCI mappings, templates, VMs.
/// A `Template` directly inside `Proxmox { }` does not compile.
public protocol NodeContent: Sendable {
    func compile(on node: NodeContext, into graph: inout GraphBuilder)
}

extension DeclarationGroup: ProxmoxContent where Content == any ProxmoxContent {
    public func compile(in proxmox: ProxmoxContext, into graph: inout GraphBuilder) {
        for member in members { member.compile(in: proxmox, into: &graph) }
    }
}

extension DeclarationGroup: NodeContent where Content == any NodeContent {
    public func compile(on node: NodeContext, into graph: inout GraphBuilder) {
        for member in members { member.compile(on: node, into: &graph) }
    }
}

/// The enclosing `Proxmox` declaration, as its children see it.
public struct ProxmoxContext: Sendable {
    /// The key of this endpoint's provider configuration in the graph.
    public var configurationKey: String
    public var endpoint: String
}

/// The enclosing `Node`, as its children see it.
public struct NodeContext: Sendable {
    public var proxmox: ProxmoxContext
    public var name: String
    public var address: ResourceAddress
    public var location: SourceLocation
    /// Bridges declared on this node; a VM on one of them depends on it.
    public var bridges: Set<String>
    /// Templates declared on this node, by name, with their VMIDs (what a clone needs).
    public var templates: [String: Int] = [:]
    /// Snippets declared on this node: volume (`local:snippets/x.yaml`) → the file resource.
    public var snippets: [String: ResourceAddress] = [:]
    /// Templates provisioned over SSH: clones wait until they are sealed.
    public var sealedTemplates: Set<String> = []

    /// A reference to the node resource, for nested declarations.
    public func reference(at location: SourceLocation) -> Reference {
        Reference(address, at: location, purpose: "node")
    }
}

/// Resource types of the Proxmox provider and what forces their replacement.
public enum ProxmoxTypes {
    public static let node = ResourceType(name: "proxmox_node", provider: "proxmox", replaceOnChange: [NodeAttributes.CodingKeys.name])
    public static let bridge = ResourceType(
        name: "proxmox_bridge", provider: "proxmox", replaceOnChange: [BridgeAttributes.CodingKeys.node, .name])
    public static let storage = ResourceType(
        name: "proxmox_storage", provider: "proxmox", replaceOnChange: [StorageAttributes.CodingKeys.id, .type])
    public static let pciMapping = ResourceType(
        name: "proxmox_pci_mapping", provider: "proxmox", replaceOnChange: [PCIMappingAttributes.CodingKeys.name])
    public static let template = ResourceType(
        name: "proxmox_template",
        provider: "proxmox",
        replaceOnChange: [
            TemplateAttributes.CodingKeys.node, .vmid, .source, .cores, .memory, .disk, .diskStorage, .bridge, .cpuType,
            .scsiController, .provisioning, .autoinstall, .bootCommand,
        ],
        // A provisioned template is still a running VM until `template_seal` converts it, and the
        // read of a VM that is not yet a template has no source or install (PVE keeps neither);
        // the seal is verified in its turn. (Found by the seed's ISO template in the sandbox.)
        notReadBack: [.source, .autoinstall]
    )
    /// A provisioned template's last step: shut down and converted once its steps ran.
    public static let templateSeal = ResourceType(
        name: "proxmox_template_seal", provider: "proxmox",
        replaceOnChange: [TemplateSealAttributes.CodingKeys.node, .vmid, .provisioning])
    public static let vm = ResourceType(
        name: "proxmox_vm",
        provider: "proxmox",
        replaceOnChange: [VMAttributes.CodingKeys.node, .vmid, .template, .diskStorage]
    )
}
