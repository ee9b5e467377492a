import Foundation
import HomelabCore

/// What a simulated API server keeps between runs of the sandbox: every object with its field
/// owners and status, and the resource version. Objects come back settled (their readiness delay
/// long past), as a cluster left running would be; kinds that CRDs serve are registered again.
struct KubeClusterSnapshot: Codable {
    struct Object: Codable {
        var group: String
        var plural: String
        var namespace: String
        var name: String
        var object: Value
        var owners: [String: Owner]
        var createdVersion: Int
        var status: Value?
    }

    struct Owner: Codable {
        var operation: String
        var apiVersion: String
        var paths: Set<[String]>
    }

    var objects: [Object]
    var resourceVersion: Int
}

extension KubeCluster {
    func snapshot() -> KubeClusterSnapshot {
        KubeClusterSnapshot(
            objects: storedObjects.map { key, stored in
                .init(
                    group: key.group, plural: key.plural, namespace: key.namespace, name: key.name, object: stored.object,
                    owners: stored.owners.mapValues { .init(operation: $0.operation, apiVersion: $0.apiVersion, paths: $0.paths) },
                    createdVersion: stored.createdVersion, status: stored.status)
            }.sorted { ($0.group, $0.plural, $0.namespace, $0.name) < ($1.group, $1.plural, $1.namespace, $1.name) },
            resourceVersion: Int(currentResourceVersion) ?? 0)
    }

    func restore(_ snapshot: KubeClusterSnapshot) {
        var restored: [Key: Stored] = [:]
        for object in snapshot.objects {
            restored[Key(group: object.group, plural: object.plural, namespace: object.namespace, name: object.name)] = Stored(
                object: object.object,
                owners: object.owners.mapValues { Owner(operation: $0.operation, apiVersion: $0.apiVersion, paths: $0.paths) },
                changedAt: .now - .seconds(86_400), createdVersion: object.createdVersion, status: object.status)
        }
        replaceObjects(restored, resourceVersion: snapshot.resourceVersion)
    }
}

extension KubeCluster {
    /// Writes the lasting state to `file` if it changed (inside the actor: in order).
    func persist(to file: SimulatorStateFile) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try file.write(try encoder.encode(snapshot()))
    }
}

extension KubeAPISimulator {
    /// The API server's lasting state, as JSON: what `restore(_:)` takes in the next run.
    public func savedState() async throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(await cluster.snapshot())
    }

    /// Puts back the state a previous run saved (before anything talks to the simulator).
    public func restore(_ saved: Data) async throws {
        await cluster.restore(try JSONDecoder().decode(KubeClusterSnapshot.self, from: saved))
    }
}
