import Foundation
import HomelabCore

/// The simulated cluster's state: nodes, network, storages, mappings, VMs and tasks. One actor, so
/// every request sees a consistent state; waits (locks, tasks) suspend without holding it.
actor PVECluster {
    struct VM {
        var node: String
        var config: [String: String]
        var running = false
        /// `clone`, `create`, ... while a task owns the VM (shown in `status/current` and config).
        var lock: String?
        /// The config file lock (flock) holder's release time; requests wait for it.
        var busyUntil: ContinuousClock.Instant?
        /// What was typed on the console through `sendkey`.
        var typed = ""
        var installing = false
        /// Changes waiting for the next start (see `PVECluster+Pending.swift`).
        var pending: [String: String] = [:]
        var pendingDelete: Set<String> = []
        /// Cloud-init keys changed while running, with the value the drive still holds (`nil`: unset).
        var cloudInitChanged: [String: String?] = [:]
        var template: Bool { config["template"] == "1" }
    }

    struct PVETask {
        var upid: String
        var node: String
        var type: String
        var id: String
        var user: String
        var startTime: Int
        var exitStatus: String?
        var log: [String]
    }

    let configuration: PVESimulatorConfiguration
    var vms: [Int: VM] = [:]
    var tasks: [String: PVETask] = [:]
    /// Node → interface → settings, as in `/etc/network/interfaces`.
    var network: [String: [String: [String: String]]] = [:]
    /// Node → pending `/etc/network/interfaces.new`, applied by `PUT /nodes/{node}/network`.
    var pendingNetwork: [String: [String: [String: String]]] = [:]
    var storages: [String: [String: String]] = [:]
    /// PCI resource mappings: id → description and `map` entries (`node=pve,path=0000:00:02.0,...`).
    var mappings: [String: (description: String?, map: [String])] = [:]
    /// Volumes present on storages: `local:iso/x.iso`, `local:import/noble.img`.
    var volumes: Set<String> = []
    /// The bytes of uploaded volumes (the simulator keeps them so tests can read them back).
    var volumeData: [String: [UInt8]] = [:]
    /// Every upload ever made, kept after its volume is deleted (tests read cidata seeds back).
    var uploads: [String: [UInt8]] = [:]
    var storageBusyUntil: [String: ContinuousClock.Instant] = [:]
    private var pidCounter = 0x1000
    var clock: ContinuousClock { ContinuousClock() }

    init(configuration: PVESimulatorConfiguration) {
        self.configuration = configuration
        for node in configuration.nodes {
            network[node] = [
                "nic0": ["type": "eth", "method": "manual", "active": "1"],
                "vmbr0": ["type": "bridge", "method": "static", "bridge_ports": "nic0", "active": "1", "autostart": "1"],
            ]
        }
        storages = [
            "local": ["storage": "local", "type": "dir", "path": "/var/lib/vz", "content": "iso,vztmpl,backup,snippets,import"],
            "local-lvm": ["storage": "local-lvm", "type": "lvmthin", "thinpool": "data", "vgname": "pve", "content": "images,rootdir"],
        ]
    }

    // MARK: Tasks

    /// Starts a worker task: `work` runs after `duration` and returns the log lines, or throws the
    /// exit status of a failed task. Returns the UPID at once, as PVE does.
    func startTask(
        node: String,
        type: String,
        id: String,
        user: String,
        duration: Duration,
        fault: PVEFault.Kind? = nil,
        work: @escaping @Sendable (isolated PVECluster) async throws -> [String]
    ) -> String {
        pidCounter += 1
        let start = Int(Date().timeIntervalSince1970)
        let upid = String(format: "UPID:%@:%08X:%08X:%08X:%@:%@:%@:", node, pidCounter, pidCounter * 7, start, type, id, user)
        tasks[upid] = PVETask(upid: upid, node: node, type: type, id: id, user: user, startTime: start, exitStatus: nil, log: [])
        var delay = duration
        if case .slowTask(let extra) = fault { delay += extra }
        let failure: String? = if case .failTask(let status) = fault { status } else { nil }
        Task {
            try? await Task.sleep(for: delay)
            await self.finish(upid, failure: failure, work: work)
        }
        return upid
    }

    private func finish(_ upid: String, failure: String?, work: @Sendable (isolated PVECluster) async throws -> [String]) async {
        var log: [String]
        var status = "OK"
        if let failure {
            log = ["TASK ERROR: \(failure)"]
            status = failure
        } else {
            do {
                log = try await work(self)
                log.append("TASK OK")
            } catch let error as PVEAPIFailure {
                log = ["TASK ERROR: \(error.message)"]
                status = error.message
            } catch {
                log = ["TASK ERROR: \(error)"]
                status = "\(error)"
            }
        }
        tasks[upid]?.log = log
        tasks[upid]?.exitStatus = status
    }

    // MARK: Locks

    /// Waits for a VM's config lock like `PVE::Tools::lock_file` (up to the lock timeout), then
    /// holds it for `hold`.
    func lockVM(_ vmid: Int, hold: Duration = .zero) async throws {
        let deadline = clock.now + configuration.lockTimeout
        while let busy = vms[vmid]?.busyUntil, busy > clock.now {
            if clock.now >= deadline { throw PVEAPIFailure.lockTimeout(vmid) }
            try? await Task.sleep(for: min(.milliseconds(5), deadline - clock.now))
        }
        if hold > .zero { vms[vmid]?.busyUntil = clock.now + hold }
    }

    func vm(_ node: String, _ vmid: Int) throws -> VM {
        guard let vm = vms[vmid], vm.node == node else { throw PVEAPIFailure.vmMissing(node, vmid) }
        return vm
    }

    /// pve-access-control/pve-cluster: a `node` not in the cluster is "no such cluster node '<n>'"
    /// (`PVE::Cluster::check_node_exists`).
    func requireNode(_ node: String) throws {
        guard configuration.nodes.contains(node) else { throw PVEAPIFailure.server("no such cluster node '\(node)'") }
    }

    /// The config digest PVE returns (SHA-1 of the config file; any stable hash serves clients).
    static func digest(_ config: [String: String]) -> String {
        let text = config.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(format: "%016llx%016llx%08x", hash, hash.byteSwapped, UInt32(truncatingIfNeeded: hash >> 7))
    }
}
