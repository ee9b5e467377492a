import Foundation
import HomelabCore
import HostConfig

/// How the Proxmox API's TLS certificate is verified. Verification is on by default.
public enum TLSVerification: Sendable, Hashable {
    /// The system's trusted CAs.
    case system
    /// A CA certificate file (PVE's own `pve-root-ca.pem`).
    case caFile(String)
    /// A CA certificate given inline as PEM.
    case caPEM(String)
    /// The SHA-256 of the server's public key, as `sha256//BASE64`.
    case pinnedKey(String)
    /// No verification: an explicit opt-in that warns on every run.
    case insecure

    /// How the provider configuration records it.
    public var value: Value {
        switch self {
        case .system: return "system"
        case .caFile(let path): return ["caFile": .string(path)]
        case .caPEM(let pem): return ["caPEM": .string(pem)]
        case .pinnedKey(let pin): return ["pinnedKey": .string(pin)]
        case .insecure: return "insecure"
        }
    }
}

/// A Proxmox VE endpoint and what it hosts.
public struct Proxmox: LabContent {
    public var endpoint: String
    public var token: SecretReference
    public var tls: TLSVerification
    public var contents: [any ProxmoxContent]
    public var location: SourceLocation

    public init(
        endpoint: String,
        token: SecretReference,
        tls: TLSVerification = .system,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column,
        @DeclarationBuilder<any ProxmoxContent> _ contents: () -> DeclarationGroup<any ProxmoxContent>
    ) {
        self.endpoint = endpoint
        self.token = token
        self.tls = tls
        self.contents = contents().members
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(into graph: inout GraphBuilder) {
        if !(endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://")) || endpoint.count < 10 {
            graph.error("Proxmox endpoint '\(endpoint)' must be a URL such as https://192.168.10.2:8006", at: location)
        }
        if let problem = token.problem { graph.error("the Proxmox token: \(problem)", at: location) }
        if tls == .insecure {
            graph.report(
                Diagnostic(.warning, "TLS verification is off for \(endpoint): anyone on the path can read the API token", at: location)
            )
        }
        // State records the configuration by the endpoint's identity, not its spelling.
        let key = "proxmox@\(Self.identity(of: endpoint))"
        graph.configure(
            provider: key,
            ["endpoint": .string(endpoint), "token": token.value, "tls": tls.value]
        )
        let context = ProxmoxContext(configurationKey: key, endpoint: endpoint)
        for member in contents { member.compile(in: context, into: &graph) }
    }
}

extension Proxmox {
    /// One spelling per API endpoint: scheme and host in lower case, `localhost` as 127.0.0.1,
    /// PVE's port 8006 when none is written, no path or trailing `/`.
    static func identity(of endpoint: String) -> String {
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme?.lowercased(),
            var host = components.host?.lowercased(), !host.isEmpty
        else { return endpoint }
        if host == "localhost" { host = "127.0.0.1" }
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        return "\(scheme)://\(host):\(components.port ?? 8006)"
    }
}

/// A Proxmox VE node (hypervisor host). Its children are created on it.
public struct Node: ProxmoxContent {
    public var name: String
    /// The host's management address (also where SSH goes).
    public var address: String?
    /// SSH access for `HostConfiguration` and `Snippet`s.
    public var ssh: NodeSSH?
    public var contents: [any NodeContent]
    public var location: SourceLocation

    public init(
        _ name: String,
        address: String? = nil,
        ssh: NodeSSH? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column,
        @DeclarationBuilder<any NodeContent> _ contents: () -> DeclarationGroup<any NodeContent>
    ) {
        self.name = name
        self.address = address
        self.ssh = ssh
        self.contents = contents().members
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(in proxmox: ProxmoxContext, into graph: inout GraphBuilder) {
        let address = ResourceAddress(kind: "node", name: name)
        ProxmoxValidation.checkName(name, what: "node", at: location, into: &graph)
        if let host = self.address, IPv4Address(host) == nil {
            graph.error("node \(name): address '\(host)' is not an IPv4 address", at: location)
        }
        graph.add(
            ResourceSpec(
                address: address,
                type: ProxmoxTypes.node,
                attributes: NodeAttributes(name: name, address: self.address),
                location: location,
                providerConfiguration: proxmox.configurationKey
            )
        )
        let bridges = Set(contents.flatMap(Self.bridgeNames))
        let templates = Dictionary(contents.flatMap(Self.templates)) { first, _ in first }
        let members = Self.flatten(contents)
        let snippets = members.compactMap { $0 as? Snippet }
        var context = NodeContext(
            proxmox: proxmox, name: name, address: address, location: location, bridges: bridges, templates: templates)
        context.snippets = Dictionary(snippets.map { ($0.volume, ResourceAddress(kind: "file", name: "\(name)/\($0.path)")) }) { a, _ in a }
        context.sealedTemplates = Set(members.compactMap { ($0 as? Template)?.provisioning == nil ? nil : ($0 as? Template)?.name })
        let firstMember = graph.specs.count
        for member in contents { member.compile(on: context, into: &graph) }
        let onNode = graph.specs[firstMember...].filter { spec in spec.references.contains { $0.address == address } }.map(\.address)
        let firstHostItem = graph.specs.count
        compileHost(items: members.compactMap { $0 as? HostConfiguration }.flatMap(\.contents) + snippets.map(\.file), into: &graph)
        // The node's host configuration (an IOMMU reboot among it) comes before anything else
        // on the node: what hangs directly off the node waits for every host item.
        let hostItems = graph.specs[firstHostItem...].map { Reference($0.address, at: location, purpose: "host configuration") }
        guard !hostItems.isEmpty else { return }
        for resource in onNode {
            graph.complete(resource) { spec, _ in
                spec.references += hostItems
                return []
            }
        }
    }

    /// The node's host configuration and snippets, over SSH, after the node itself.
    private func compileHost(items: [any HostContent], into graph: inout GraphBuilder) {
        guard !items.isEmpty else { return }
        guard let ssh, let address else {
            graph.error("node \(name): HostConfiguration and Snippet need address: and ssh: (how to log in to the node)", at: location)
            return
        }
        Host(
            name, address: address, access: ssh, dependsOn: ["node.\(name)"], fileID: location.fileID, line: location.line,
            column: location.column
        ) { DeclarationGroup(items) }
        .compile(into: &graph)
    }

    private static func flatten(_ contents: [any NodeContent]) -> [any NodeContent] {
        contents.flatMap { member -> [any NodeContent] in
            if let group = member as? DeclarationGroup<any NodeContent> { return flatten(group.members) }
            return [member]
        }
    }

    private static func templates(_ content: any NodeContent) -> [(String, Int)] {
        if let template = content as? Template { return [(template.name, template.vmid)] }
        if let group = content as? DeclarationGroup<any NodeContent> { return group.members.flatMap(templates) }
        return []
    }

    private static func bridgeNames(_ content: any NodeContent) -> [String] {
        if let bridge = content as? Bridge { return [bridge.name] }
        if let group = content as? DeclarationGroup<any NodeContent> { return group.members.flatMap(bridgeNames) }
        return []
    }
}
