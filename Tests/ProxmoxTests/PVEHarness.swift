import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SeedHomelab

/// A Proxmox simulator over HTTPS, checked against the official schema, with a workspace whose
/// `proxmox` provider talks to it exactly as it would to a real node.
struct PVEHarness {
    static let imageURL = "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img"
    static let imageSHA256 = "b1e3f0b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e"

    /// The seed's vmbr0, which its pve_network role writes over SSH; here through the API.
    static let seedBridge = Bridge(
        "vmbr0", ports: ["nic0"], address: "192.168.10.2/24", gateway: "192.168.10.1", comment: "VLAN 10 (Homelab)")

    let simulator: ProxmoxSimulator
    let caFile: String
    let provider: ProxmoxProvider
    let storage = InMemoryStateStorage()

    static func start(
        _ tweak: (inout PVESimulatorConfiguration) -> Void = { _ in },
        options tweakOptions: (inout ProxmoxClient.Options) -> Void = { _ in }
    ) async throws -> PVEHarness {
        var configuration = PVESimulatorConfiguration()
        configuration.nodes = ["homelabpve01"]
        configuration.schema = try PVESchema.official()
        configuration.taskDurations = PVESimulatorConfiguration.TaskDurations().scaled(0.02)
        configuration.lockTimeout = .milliseconds(300)
        configuration.authenticationFailureDelay = .milliseconds(10)
        configuration.downloads = [imageURL: imageSHA256]
        tweak(&configuration)
        let simulator = try await ProxmoxSimulator.start(configuration)
        let caFile = ScratchSpace.path("pve-root-ca") + ".pem"
        try simulator.caPEM.write(toFile: caFile, atomically: false, encoding: .utf8)
        var options = ProxmoxClient.Options()
        options.retryDelay = .milliseconds(20)
        options.installTimeout = .seconds(20)
        tweakOptions(&options)
        let provider = ProxmoxProvider(environment: ["PROXMOX_API_TOKEN": simulator.apiToken], clientOptions: options)
        return PVEHarness(simulator: simulator, caFile: caFile, provider: provider)
    }

    /// The seed's node, bridge, PCI mapping and three VMs; the template from a cloud image (the
    /// seed's ISO + autoinstall path is not built yet).
    func seedLab(@DeclarationBuilder<any NodeContent> extra: () -> DeclarationGroup<any NodeContent> = { DeclarationGroup([]) }) -> Lab {
        lab {
            Self.seedBridge
            SeedHomelab.network
            Template(
                "k8s-node-template", vmid: 9000, source: .cloudImage(url: Self.imageURL, checksum: "sha256:\(Self.imageSHA256)"),
                cores: 2, memory: .mib(4096), disk: .gib(32), description: "K8s-ready Ubuntu 24.04"
            )
            SeedHomelab.machines
            extra()
        }
    }

    func lab(@DeclarationBuilder<any NodeContent> _ contents: () -> DeclarationGroup<any NodeContent>) -> Lab {
        let nodeContents = contents()
        return Lab("pve-test") {
            Proxmox(endpoint: simulator.endpoint, token: .environment("PROXMOX_API_TOKEN"), tls: .caFile(caFile)) {
                Node("homelabpve01", address: "192.168.10.2") { nodeContents }
            }
        }
    }

    func workspace(_ lab: Lab) throws -> Workspace {
        Workspace(graph: try lab.compile(), storage: storage, providers: ProviderRegistry([provider]))
    }

    func plan(_ lab: Lab, _ options: PlanOptions = PlanOptions()) async throws -> Plan {
        let workspace = try workspace(lab)
        return try await workspace.plan(options, state: workspace.loadState())
    }

    @discardableResult
    func apply(_ lab: Lab, _ options: PlanOptions = PlanOptions(), parallelism: Int = 10) async throws -> ApplyResult {
        let workspace = try workspace(lab)
        let state = try workspace.loadState()
        let plan = try await workspace.plan(options, state: state)
        return try await workspace.apply(plan, state: state, executor: Executor(providers: workspace.providers, parallelism: parallelism))
    }

    func shutdown() async {
        await simulator.shutdown()
        try? FileManager.default.removeItem(atPath: caFile)
    }
}
