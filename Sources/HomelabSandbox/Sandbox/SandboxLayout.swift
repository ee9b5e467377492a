import Foundation
import HomelabKit

/// What the sandbox stands up for a description, read from its compiled graph: a Proxmox API at
/// each endpoint, a machine for each node configured over SSH, the build VMs' reserved addresses,
/// the lab network's own addresses, and the keys and known_hosts files the description logs in
/// with (made inside the sandbox's home). What the sandbox cannot stand in for is an error that
/// names it, before anything starts.
public struct SandboxLayout: Sendable {
    public struct ProxmoxEndpoint: Sendable {
        /// The provider configuration (the sandbox points its `tls` at the simulator's CA).
        public var configurationKey: String
        public var host: String
        public var port: Int
        /// The environment variable the description reads the API token from.
        public var tokenVariable: String
        public var nodes: [String]
    }

    /// A Proxmox node the description configures over SSH: a machine sharing the lab's network.
    public struct NodeMachine: Sendable {
        public var name: String
        public var address: String
    }

    public var proxmox: [ProxmoxEndpoint] = []
    public var nodeMachines: [NodeMachine] = []
    /// Build VMs (a template's provisioning) by VMID: the address they are reached at.
    public var buildVMs: [Int: SandboxGuests.FixedAddress] = [:]
    /// The lab bridge's addresses (CIDRs): the VMs' gateways, the endpoints and the nodes.
    public var addresses: [String] = []
    /// The address machines reach the sandbox's own services at (the Kubernetes API).
    public var gateway: String = ""
    /// The lab network's prefix length (the VMs' addresses').
    public var prefix = 24
    /// Login keys and known_hosts files, as the description writes them (`~/.ssh/…`).
    public var keyFiles: [String] = []
    public var knownHostsFiles: [String] = []
    /// The kubeadm cluster's Kubernetes version and pinned cilium CLI, when there is a cluster.
    public var kubernetes: String?
    public var ciliumCLI: String?

    public init(_ graph: ResourceGraph) throws(SandboxError) {
        var problems: [String] = []
        var gateways: [String] = []
        var nodeAddresses: [String: String] = [:]
        for resource in graph.resources {
            switch resource.type.name {
            case ProxmoxTypes.vm.name:
                guard let vm = try? AttributeDecoder().decode(VMAttributes.self, from: resource.attributes) else { continue }
                if let ip = vm.ip, let length = ip.split(separator: "/").last.flatMap({ Int($0) }) { prefix = length }
                if let gateway = vm.gateway, !gateways.contains(gateway) { gateways.append(gateway) }
            case ProxmoxTypes.node.name:
                guard let node = try? AttributeDecoder().decode(NodeAttributes.self, from: resource.attributes) else { continue }
                nodeAddresses[node.name] = node.address
            case Cluster.type.name:
                kubernetes = kubernetes ?? resource.attributes["kubernetes"]?.stringValue
            case Cilium.type.name:
                ciliumCLI = ciliumCLI ?? (try? AttributeDecoder().decode(CiliumAttributes.self, from: resource.attributes))?.cli?.version
            default: continue
            }
        }
        for (key, configuration) in graph.providerConfigurations.sorted(by: { $0.key < $1.key }) {
            if let endpoint = configuration["endpoint"]?.stringValue, key.hasPrefix("proxmox") {
                guard let url = URL(string: endpoint), let host = url.host, IPv4Address(host) != nil else {
                    problems.append(
                        "\(key): the sandbox serves Proxmox at an IPv4 endpoint such as https://192.168.10.2:8006, not \(endpoint)")
                    continue
                }
                guard case .environment(let variable)? = configuration["token"]?.stringValue.flatMap(SecretReference.init(parsing:)) else {
                    problems.append(
                        "\(key): the sandbox hands the API token over in an environment variable: use token: .environment(\"NAME\")")
                    continue
                }
                let nodes = graph.resources.filter { $0.type.name == ProxmoxTypes.node.name && $0.spec.providerConfiguration == key }
                    .compactMap { $0.attributes["name"]?.stringValue }
                proxmox.append(
                    ProxmoxEndpoint(configurationKey: key, host: host, port: url.port ?? 8006, tokenVariable: variable, nodes: nodes))
            } else if configuration["login"] != nil {
                readSSH(key, configuration, problems: &problems)
            }
        }
        // A node configured over SSH is a `Host` whose configuration is named after it.
        for (name, address) in nodeAddresses.sorted(by: { $0.key < $1.key })
        where graph.providerConfigurations["host@\(name)"]?["address"]?.stringValue == address {
            nodeMachines.append(NodeMachine(name: name, address: address))
        }
        // A template's build VM is reached at its provisioning host's address.
        for resource in graph.resources where resource.type.name == ProxmoxTypes.template.name {
            guard let template = try? AttributeDecoder().decode(TemplateAttributes.self, from: resource.attributes),
                let name = template.name, let host = graph.providerConfigurations["host@\(name)"],
                let address = host["address"]?.stringValue, let user = host["user"]?.stringValue
            else { continue }
            buildVMs[template.vmid] = SandboxGuests.FixedAddress(
                address: "\(address)/\(prefix)", user: template.autoinstall?.username ?? user,
                packages: template.autoinstall?.packages ?? [], lateCommands: template.autoinstall?.lateCommands ?? [])
        }
        var own = gateways + proxmox.map(\.host) + nodeMachines.map(\.address)
        own = own.reduce(into: []) { unique, address in if !unique.contains(address) { unique.append(address) } }
        addresses = own.map { "\($0)/\(prefix)" }
        gateway = own.first ?? ""
        if proxmox.isEmpty { problems.append("the description has no Proxmox endpoint: the sandbox simulates a Proxmox homelab") }
        guard problems.isEmpty else { throw SandboxError(problems) }
    }

    private mutating func readSSH(_ key: String, _ configuration: Value, problems: inout [String]) {
        guard let login = configuration["login"]?.objectValue, let path = login["key"]?.stringValue else {
            problems.append("\(key): the sandbox logs in with keys it makes: use login: .key(\"~/.ssh/…\") instead of the SSH agent")
            return
        }
        guard path.hasPrefix("~/") else {
            problems.append("\(key): the sandbox makes its login keys in its own home: write the key as \"~/…\", not \(path)")
            return
        }
        if !keyFiles.contains(path) { keyFiles.append(path) }
        let trust = configuration["trust"]?.objectValue ?? [:]
        guard let knownHosts = trust["knownHosts"]?.stringValue, knownHosts.hasPrefix("~/") else {
            problems.append("\(key): the sandbox's machines have new host keys: trust them through a known_hosts file under ~/")
            return
        }
        if !knownHostsFiles.contains(knownHosts) { knownHostsFiles.append(knownHosts) }
    }
}

/// Why the sandbox cannot run a description (every reason, each naming what to change).
public struct SandboxError: Error, CustomStringConvertible {
    public var problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
    public init(_ problem: String) { self.problems = [problem] }
    public var description: String {
        "the sandbox cannot run this description:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
