import HomelabCore

/// `Manifest`: its objects server-side applied (Namespaces and CRDs first, CRDs waited for until
/// Established, workloads until rolled out), read back field by field for drift, and objects
/// dropped from the description pruned.
enum ManifestResource: ResourceHandler {
    static let type = KubernetesTypes.manifest

    static func read(_ request: TypedRead<ManifestAttributes>, using session: KubernetesSession) async throws -> ManifestAttributes? {
        let client = session.client
        var live: [Value] = []
        for object in request.prior.objects {
            let identity = ObjectIdentity(object)
            guard
                let found = try await client.get(
                    apiVersion: identity.apiVersion, kind: identity.kind, namespace: identity.namespace, name: identity.name)
            else { continue }  // gone from the cluster: the plan puts it back
            live.append(AppliedFields.project(found, onto: object))
        }
        var attributes = request.prior
        attributes.objects = live
        return attributes
    }

    static func create(_ request: TypedCreate<ManifestAttributes>, using session: KubernetesSession) async throws -> ManifestAttributes {
        try await apply(request.desired, prior: nil, session: session, progress: request.progress)
    }

    static func update(_ request: TypedUpdate<ManifestAttributes>, using session: KubernetesSession) async throws -> ManifestAttributes {
        try await apply(request.desired, prior: request.prior, session: session, progress: request.progress)
    }

    private static func apply(
        _ desired: ManifestAttributes, prior: ManifestAttributes?, session: KubernetesSession,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> ManifestAttributes {
        let (client, options) = (session.client, session.options)
        let objects = desired.objects
        let force = desired.conflicts != .fail
        try await applyInOrder(
            objects, client: client, manager: fieldManager, force: force, namespace: nil, options: options, progress: progress)
        // Pruning: what the last apply made and this one no longer lists.
        let kept = Set(objects.map { ObjectIdentity($0, defaultNamespace: client.access.namespace) })
        for object in (prior?.objects ?? []).reversed() {
            let identity = ObjectIdentity(object, defaultNamespace: client.access.namespace)
            guard !kept.contains(identity) else { continue }
            progress("pruning \(identity)")
            try await client.delete(
                apiVersion: identity.apiVersion, kind: identity.kind, namespace: identity.namespace, name: identity.name)
        }
        return desired
    }

    static func delete(_ request: TypedDelete<ManifestAttributes>, using session: KubernetesSession) async throws {
        let client = session.client
        for object in request.prior.objects.reversed() {
            let identity = ObjectIdentity(object, defaultNamespace: client.access.namespace)
            request.progress("deleting \(identity)")
            try await client.delete(
                apiVersion: identity.apiVersion, kind: identity.kind, namespace: identity.namespace, name: identity.name)
        }
    }

    /// Namespaces, then CRDs (until Established, so their kinds can be applied), then the rest;
    /// then waits for what has a notion of ready.
    static func applyInOrder(
        _ objects: [Value], client: KubernetesClient, manager: String, force: Bool = true, namespace: String?,
        options: KubernetesProvider.Options,
        progress: @escaping @Sendable (String) -> Void
    ) async throws {
        func rank(_ object: Value) -> Int {
            switch object["kind"]?.stringValue {
            case "Namespace": return 0
            case "CustomResourceDefinition": return 1
            default: return 2
            }
        }
        let ordered = objects.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        for object in ordered where rank(object) < 2 {
            try await client.apply(object, fieldManager: manager, force: force, namespace: namespace)
            if object["kind"]?.stringValue == "CustomResourceDefinition" {
                try await client.waitUntilReady(object, namespace: namespace, options: options, progress: progress)
            }
        }
        // The rest do not depend on each other: eight at a time, over reused connections.
        let rest = ordered.filter { rank($0) == 2 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = rest.makeIterator()
            for _ in 0..<8 {
                guard let object = pending.next() else { break }
                group.addTask { _ = try await client.apply(object, fieldManager: manager, force: force, namespace: namespace) }
            }
            while try await group.next() != nil {
                guard let object = pending.next() else { continue }
                group.addTask { _ = try await client.apply(object, fieldManager: manager, force: force, namespace: namespace) }
            }
        }
        for object in ordered where object["kind"]?.stringValue != "CustomResourceDefinition" {
            try await client.waitUntilReady(object, namespace: namespace ?? client.access.namespace, options: options, progress: progress)
        }
    }
}
