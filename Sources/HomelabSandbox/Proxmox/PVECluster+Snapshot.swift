import Foundation

/// What a simulated cluster keeps between runs of the sandbox: its VMs (configuration, power,
/// pending changes), network, storages, mappings and volumes. Tasks, locks and consoles belong
/// to one run and are not kept.
struct PVEClusterSnapshot: Codable {
    struct VM: Codable {
        var node: String
        var config: [String: String]
        var running: Bool
        var pending: [String: String]
        var pendingDelete: Set<String>
        var cloudInitChanged: [String: String?]
    }

    struct Mapping: Codable {
        var description: String?
        var map: [String]
    }

    var vms: [Int: VM]
    var network: [String: [String: [String: String]]]
    var pendingNetwork: [String: [String: [String: String]]]
    var storages: [String: [String: String]]
    var mappings: [String: Mapping]
    var volumes: Set<String>
}

extension PVECluster {
    func snapshot() -> PVEClusterSnapshot {
        PVEClusterSnapshot(
            vms: vms.mapValues {
                .init(
                    node: $0.node, config: $0.config, running: $0.running, pending: $0.pending, pendingDelete: $0.pendingDelete,
                    cloudInitChanged: $0.cloudInitChanged)
            },
            network: network, pendingNetwork: pendingNetwork, storages: storages,
            mappings: mappings.mapValues { .init(description: $0.description, map: $0.map) }, volumes: volumes)
    }

    func restore(_ snapshot: PVEClusterSnapshot) {
        vms = snapshot.vms.mapValues {
            VM(
                node: $0.node, config: $0.config, running: $0.running, pending: $0.pending, pendingDelete: $0.pendingDelete,
                cloudInitChanged: $0.cloudInitChanged)
        }
        network = snapshot.network
        pendingNetwork = snapshot.pendingNetwork
        storages = snapshot.storages
        mappings = snapshot.mappings.mapValues { ($0.description, $0.map) }
        volumes = snapshot.volumes
    }
}

extension PVECluster {
    /// Writes the lasting state to `file` if it changed (inside the actor: in order).
    func persist(to file: SimulatorStateFile) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try file.write(try encoder.encode(snapshot()))
    }
}

extension ProxmoxSimulator {
    /// The simulated cluster's lasting state, as JSON: what `restore(_:)` takes in the next run.
    public func savedState() async throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(await cluster.snapshot())
    }

    /// Puts back the state a previous run saved (before anything talks to the simulator).
    public func restore(_ saved: Data) async throws {
        await cluster.restore(try JSONDecoder().decode(PVEClusterSnapshot.self, from: saved))
    }

    /// Boots the guests of the VMs that were running when the state was saved, as a host that
    /// comes back up starts them again; returns once each has booted or failed to.
    public func bootRunningGuests() async {
        guard let guests = configuration.guests else { return }
        for (vmid, vm) in await cluster.vms.sorted(by: { $0.key < $1.key }) where vm.running {
            await guests.started(vmid: vmid, config: vm.config)
        }
    }
}
