import Foundation
import HomelabKit

/// A simulated homelab for one description, run from inside its lab network (see
/// ``SandboxEntry``): the Proxmox API at each of the description's endpoints, a machine for each
/// node it configures over SSH (sharing the lab's network, as a Proxmox host does), a machine for
/// every VM Proxmox starts (``SandboxGuests``), and the Kubernetes API its kubeadm stand-ins
/// drive. Everything lasting lives in ``directory``: the simulators' saved state, the machines'
/// disks, and the sandbox's home with the login keys and known_hosts files the description
/// names. The simulators write every change there before they answer, so the next run starts
/// where this one ended, also when this one was killed.
public final class Sandbox: Sendable {
    public let directory: String
    public let layout: SandboxLayout
    public let lab: LabNetwork
    public let proxmox: [ProxmoxSimulator]
    public let kube: KubeAPISimulator?
    public let guests: SandboxGuests
    public let internet: SandboxInternet?
    /// The Proxmox nodes' machines, by node name.
    public let nodes: [String: DisposableRoot]
    /// The description, its Proxmox endpoints trusting the simulators' certificate authority.
    public let graph: ResourceGraph

    /// The port the Kubernetes API is served on, as kube-apiserver's default.
    public static let kubernetesPort = 6443

    private init(
        directory: String, layout: SandboxLayout, lab: LabNetwork, proxmox: [ProxmoxSimulator], kube: KubeAPISimulator?,
        guests: SandboxGuests, internet: SandboxInternet?, nodes: [String: DisposableRoot], graph: ResourceGraph
    ) {
        self.internet = internet
        self.directory = directory
        self.layout = layout
        self.lab = lab
        self.proxmox = proxmox
        self.kube = kube
        self.guests = guests
        self.nodes = nodes
        self.graph = graph
    }

    /// The sandbox's home: where `~/` in the description points while it runs.
    public static func home(in directory: String) -> String { directory + "/home" }

    /// Starts the sandbox for `graph` in the lab network this process runs in. `environment`
    /// holds the API tokens ``SandboxEntry`` made (the simulators accept exactly those).
    public static func start(graph: ResourceGraph, directory: String, lab: LabNetwork, environment: [String: String]) async throws
        -> Sandbox
    {
        let layout = try SandboxLayout(graph)
        let fm = FileManager.default
        let home = home(in: directory)
        try fm.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fm.createDirectory(atPath: directory + "/disks", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let expand = { (path: String) in path.hasPrefix("~/") ? home + path.dropFirst(1) : path }
        var publicKeys: [String] = []
        for path in layout.keyFiles.map(expand) {
            if !fm.fileExists(atPath: path) { try DisposableRoot.keygen(["-t", "ed25519", "-N", "", "-C", "homelab-sandbox", "-f", path]) }
            publicKeys.append(try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let knownHosts = layout.knownHostsFiles.map(expand)

        // The internet the description fetches from, at the lab's gateway; the lab's machines
        // resolve its hosts there and trust its CA.
        let internetHosts = SandboxInternet.hosts(in: graph)
        let internetRoot = directory + "/internet"
        let downloads = try publishDownloads(graph, internet: internetRoot)
        var graph = try ArgoCDStandIn.publish(graph, internet: internetRoot)
        let internet =
            internetHosts.isEmpty
            ? nil
            : try await SandboxInternet.start(
                hosts: internetHosts, root: internetRoot, address: layout.gateway,
                authority: SandboxInternet.authority(directory: directory))
        let archiveKey = try SandboxArchive.build(graph, internet: internetRoot, directory: directory)
        let machineFiles = SandboxArchive.machineFiles(key: archiveKey).merging([
            "/etc/hosts": SandboxInternet.hostsFile(internetHosts, address: layout.gateway),
            "/etc/ssl/certs/ca-certificates.crt": try SandboxInternet.caBundle(directory: directory),
        ]) { _, new in new }

        let kube = try await startKubernetes(layout, directory: directory)
        let cliVersion = layout.ciliumCLI
        let guests = SandboxGuests(
            lab: lab, disks: directory + "/disks", fixedAddresses: layout.buildVMs, sandboxKeys: publicKeys, knownHosts: knownHosts.first,
            files: machineFiles, image: SandboxArchive.aptLists(internet: internetRoot)
        ) { machine in
            guard let kube, let version = layout.kubernetes else { return }
            try machine.installKubeadm(
                server: "https://\(layout.gateway):\(kubernetesPort)", caPEM: kube.caPEM, token: kube.token, version: version)
            if let cliVersion { try machine.write("/var/lib/homelab-test/cilium-cli-version", cliVersion + "\n") }
        }
        for path in knownHosts.dropFirst() where !fm.fileExists(atPath: path) {
            try fm.createSymbolicLink(atPath: path, withDestinationPath: knownHosts[0])
        }

        var nodes: [String: DisposableRoot] = [:]
        for node in layout.nodeMachines {
            let machine = try await DisposableRoot.start(
                network: .shared(lab, address: node.address), disk: "\(directory)/disks/node-\(node.name)",
                image: ProxmoxHostImage.files(address: node.address, prefix: layout.prefix, gateway: layout.gateway)
                    .merging(SandboxArchive.aptLists(internet: internetRoot)) { _, new in new }, files: machineFiles)
            try machine.authorize(publicKeys)
            for path in knownHosts.prefix(1) { try SandboxGuests.record(machine, in: path) }
            nodes[node.name] = machine
        }

        var simulators: [ProxmoxSimulator] = []
        for endpoint in layout.proxmox {
            var configuration = PVESimulatorConfiguration()
            guard let token = environment[endpoint.tokenVariable], let separator = token.firstIndex(of: "=") else {
                throw SandboxError("\(endpoint.tokenVariable) does not hold the sandbox's API token (run through `--sandbox`)")
            }
            configuration.tokens = [String(token[..<separator]): String(token[token.index(after: separator)...])]
            configuration.nodes = endpoint.nodes.isEmpty ? ["pve"] : endpoint.nodes
            configuration.downloads = downloads
            configuration.guests = guests
            let stateFile = "\(directory)/proxmox-\(endpoint.host).json"
            let saved = fm.contents(atPath: stateFile)
            let simulator = try await ProxmoxSimulator.start(configuration, host: endpoint.host, port: endpoint.port, stateFile: stateFile)
            if let saved { try await simulator.restore(saved) }
            let caFile = "\(directory)/proxmox-\(endpoint.host)-ca.pem"
            try write(simulator.caPEM, to: caFile, mode: 0o644)
            if let configuration = graph.providerConfigurations[endpoint.configurationKey] {
                graph = graph.replacingProviderConfiguration(
                    endpoint.configurationKey, with: configuration.with("tls", TLSVerification.caFile(caFile).value))
            }
            await simulator.bootRunningGuests()
            simulators.append(simulator)
        }
        return Sandbox(
            directory: directory, layout: layout, lab: lab, proxmox: simulators, kube: kube, guests: guests, internet: internet,
            nodes: nodes, graph: graph)
    }

    /// The Kubernetes API for the description's kubeadm cluster, with the CA and token of the
    /// earlier runs (the kubeconfigs kubeadm init wrote trust that CA) and their objects.
    private static func startKubernetes(_ layout: SandboxLayout, directory: String) async throws -> KubeAPISimulator? {
        guard let version = layout.kubernetes else { return nil }
        let ca = try SandboxCertificateAuthority.persisted(at: directory + "/kubernetes-ca.json", name: "kubernetes")
        let tokenFile = directory + "/kubernetes-token"
        var token = (try? String(contentsOfFile: tokenFile, encoding: .utf8)) ?? ""
        if token.isEmpty {
            token = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try write(token, to: tokenFile)
        }
        let authority = (ca: ca, token: token)
        let stateFile = directory + "/kubernetes.json"
        let saved = FileManager.default.contents(atPath: stateFile)
        let kube = try await KubeAPISimulator.start(
            kubernetesVersion: version, addresses: [layout.gateway], port: kubernetesPort, authority: authority, stateFile: stateFile)
        if let saved { try await kube.restore(saved) }
        return kube
    }

    /// What the sandbox's Proxmox can download, by URL → SHA-256: the file each template pins by
    /// `sha256:`; for a template checked against a checksum file (`file:<url>`, Ubuntu's
    /// `SHA256SUMS`), a stand-in whose checksum the sandbox's internet lists in that file.
    static func publishDownloads(_ graph: ResourceGraph, internet: String) throws -> [String: String] {
        var downloads: [String: String] = [:]
        for resource in graph.resources where resource.type.name == ProxmoxTypes.template.name {
            guard let template = try? AttributeDecoder().decode(TemplateAttributes.self, from: resource.attributes),
                let source = template.source
            else { continue }
            let (url, checksum): (String, String)
            switch source {
            case .cloudImage(let imageURL, let sum), .iso(let imageURL, let sum, _): (url, checksum) = (imageURL, sum)
            }
            if checksum.hasPrefix("sha256:") {
                downloads[url] = String(checksum.dropFirst("sha256:".count))
            } else if checksum.hasPrefix("file:"), let list = URL(string: String(checksum.dropFirst("file:".count))), let host = list.host {
                let digest = ContentDigest.sha256("HomelabKit sandbox stand-in for \(url)")
                downloads[url] = digest
                let file = "\(internet)/\(host)\(list.path)"
                try FileManager.default.createDirectory(
                    atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try write("\(digest) *\((url as NSString).lastPathComponent)\n", to: file, mode: 0o644)
            }
        }
        return downloads
    }

    /// Stops every simulator and machine. What lasts is on disk already: the simulators write
    /// each change before they answer, and the machines' disks stay for the next run.
    public func stop() async {
        for simulator in proxmox { await simulator.shutdown() }
        await kube?.shutdown()
        await internet?.shutdown()
        for vmid in await guests.running.keys { await guests.stopped(vmid: vmid) }
        for machine in nodes.values { await machine.stop() }
    }

    /// Why VMs that Proxmox runs have no machine (none: every one booted).
    public var problems: [String] { get async { await guests.problems.sorted { $0.key < $1.key }.map(\.value) } }

    static func write(_ text: String, to path: String, mode: Int = 0o600) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw SandboxError("cannot write \(path)")
        }
    }
}
