import Foundation
import HomelabCore

/// What a sandbox holds, read from its directory between runs (no process need be running): the
/// simulated Proxmox's VMs, the simulated Kubernetes API's objects, and files on the nodes' and
/// VMs' disks. Tests assert on these after `apply --sandbox`.
public struct SandboxRecords: Sendable {
    /// The sandbox's directory (`.homelab/sandbox`).
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// A VM as the simulated Proxmox keeps it.
    public struct VM: Sendable {
        public var node: String
        public var config: [String: String]
        public var running: Bool
    }

    /// The VMs (templates included) of the Proxmox served at `host`, by VMID.
    public func proxmoxVMs(host: String) throws -> [Int: VM] {
        guard let data = FileManager.default.contents(atPath: "\(directory)/proxmox-\(host).json") else { return [:] }
        let snapshot = try JSONDecoder().decode(PVEClusterSnapshot.self, from: data)
        return snapshot.vms.mapValues { VM(node: $0.node, config: $0.config, running: $0.running) }
    }

    /// An operation a killed run was inside when it died.
    public struct UnfinishedOperation: Sendable, Hashable {
        public var address: String
        public var provider: String
    }

    /// What the sandbox's state file records as started and not finished, which the next run
    /// resolves: operations begun and not ended (pending), and objects made but not finished
    /// (tainted, such as a template killed before it was sealed).
    public func unfinishedOperations() throws -> Set<UnfinishedOperation> {
        guard let state = try FileStateStorage(path: directory + "/homelab.state.json").load() else { return [] }
        let pending = state.pendingOperations.map { UnfinishedOperation(address: "\($0.address)", provider: $0.provider) }
        let tainted = state.resources.values.filter(\.isTainted).map {
            UnfinishedOperation(address: "\($0.address)", provider: $0.provider)
        }
        return Set(pending + tainted)
    }

    /// An object as the simulated Kubernetes API keeps it.
    public struct KubeObject: Sendable {
        /// `nodes`, `configmaps`, `applications`, …
        public var plural: String
        public var namespace: String
        public var name: String
        public var object: Value
        /// The status written through the status subresource (a kubelet's node report), or, from
        /// ``servedKubernetesObjects()``, all the simulator serves (conditions, sync and health).
        public var status: Value?
        /// The API server's version when the object was created (etcd's create revision): the
        /// order in which objects were created.
        public var createdVersion: Int
    }

    /// Every object of the simulated Kubernetes API.
    public func kubernetesObjects() throws -> [KubeObject] {
        try kubernetesSnapshot().objects.map {
            KubeObject(
                plural: $0.plural, namespace: $0.namespace, name: $0.name, object: $0.object, status: $0.status,
                createdVersion: $0.createdVersion)
        }
    }

    /// Every object as the simulated API server serves it once its controllers have caught up
    /// (workloads rolled out, Applications synced, Nodes Ready if a CNI runs): the saved state put
    /// into a fresh simulator, as the next sandbox run does, and read back from it.
    public func servedKubernetesObjects() async throws -> [KubeObject] {
        let snapshot = try kubernetesSnapshot()
        let cluster = KubeCluster(readyDelay: .zero)
        await cluster.restore(snapshot)
        var served: [KubeObject] = []
        for object in snapshot.objects {
            guard let type = await cluster.types.first(where: { $0.group == object.group && $0.plural == object.plural }) else { continue }
            let rendered = try await cluster.get(type, namespace: object.namespace, name: object.name)
            served.append(
                KubeObject(
                    plural: object.plural, namespace: object.namespace, name: object.name, object: rendered, status: rendered["status"],
                    createdVersion: object.createdVersion))
        }
        return served
    }

    private func kubernetesSnapshot() throws -> KubeClusterSnapshot {
        guard let data = FileManager.default.contents(atPath: "\(directory)/kubernetes.json") else {
            return KubeClusterSnapshot(objects: [], resourceVersion: 0)
        }
        return try JSONDecoder().decode(KubeClusterSnapshot.self, from: data)
    }

    /// A file a node's host configuration wrote (`nil` when it did not write one there).
    public func nodeFile(_ node: String, _ path: String) -> String? {
        try? String(contentsOfFile: "\(directory)/disks/node-\(node)/upper\(path)", encoding: .utf8)
    }

    /// A file written on VM `vmid`'s disk.
    public func vmFile(_ vmid: Int, _ path: String) -> String? {
        try? String(contentsOfFile: "\(directory)/disks/vm-\(vmid)/upper\(path)", encoding: .utf8)
    }

    /// The VMs that have a disk (destroying a VM removes its disk).
    public var vmDisks: [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/disks")) ?? [])
            .compactMap { $0.hasPrefix("vm-") ? Int($0.dropFirst(3)) : nil }.sorted()
    }
}
