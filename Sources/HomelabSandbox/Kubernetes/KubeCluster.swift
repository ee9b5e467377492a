import Foundation
import HomelabCore

/// A failed API call, answered as a Kubernetes `Status`.
struct KubeFailure: Error {
    var code: Int
    var reason: String
    var message: String
    var causes: [Value] = []
}

/// What the simulated API server stores: objects by type, namespace and name, with field
/// ownership for server-side apply, and status that becomes ready after a delay.
actor KubeCluster {
    struct Key: Hashable {
        var group: String
        var plural: String
        var namespace: String
        var name: String
    }

    struct Owner {
        var operation: String
        var apiVersion: String
        var paths: Set<KubeFields.Path>
    }

    struct Stored {
        var object: Value
        var owners: [String: Owner]
        var changedAt: ContinuousClock.Instant
        /// The version that created it (ADDED rather than MODIFIED for watches from before).
        var createdVersion = 0
        /// What was written through the `status` subresource (a Node's kubelet reports its
        /// `nodeInfo` there); conditions the simulation computes are laid over it.
        var status: Value?
    }

    private(set) var types: [KubeResourceType]
    private var objects: [Key: Stored] = [:]
    private var resourceVersion = 100
    /// Namespaces being deleted: like the real namespace controller, their objects go a little later.
    private var terminating: [String: ContinuousClock.Instant] = [:]
    /// Deleted objects and the version that deleted them, so a watch from an older version sees
    /// the DELETED event (the last 2,000).
    private var tombstones: [(key: Key, object: Value, version: Int)] = []
    let readyDelay: Duration

    init(readyDelay: Duration) {
        self.readyDelay = readyDelay
        types = KubeResourceType.builtIn
        objects = Self.newCluster
    }

    /// What a new cluster holds before anything is created in it: its built-in namespaces.
    private static var newCluster: [Key: Stored] {
        var objects: [Key: Stored] = [:]
        for name in ["default", "kube-system", "kube-public"] {
            objects[Key(group: "", plural: "namespaces", namespace: "", name: name)] = Stored(
                object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]], owners: [:],
                changedAt: .now - .seconds(3600))
        }
        return objects
    }

    /// A `kubeadm init` starts a new cluster: its local etcd member begins with an empty data
    /// directory (kubernetes/kubernetes `cmd/kubeadm/app/phases/etcd/local.go`, `/var/lib/etcd`),
    /// so nothing of a cluster built on an earlier control plane is in it.
    func startNewCluster() {
        replaceObjects(Self.newCluster, resourceVersion: resourceVersion + 1)
    }

    func type(group: String, version: String, plural: String) -> KubeResourceType? {
        types.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    // MARK: Reading

    func get(_ type: KubeResourceType, namespace: String, name: String) throws(KubeFailure) -> Value {
        purgeTerminated()
        guard let stored = objects[key(type, namespace, name)] else { throw notFound(type, name) }
        return render(stored, type)
    }

    /// The objects of a type, narrowed by a field selector's `path: value` pairs (checked by the
    /// router against what the type supports).
    func list(_ type: KubeResourceType, namespace: String?, name: String? = nil, fields: [String: String] = [:]) -> [Value] {
        purgeTerminated()
        return objects.filter { key, stored in
            key.group == type.group && key.plural == type.plural && (namespace == nil || key.namespace == namespace)
                && (name == nil || key.name == name)
                && fields.allSatisfy { path, value in
                    path.split(separator: ".").reduce(Optional(stored.object)) { $0?[String($1)] }?.stringValue ?? "" == value
                }
        }
        .sorted { ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name) }
        .map { render($0.value, type) }
    }

    var currentResourceVersion: String { String(resourceVersion) }

    /// Every stored object (for a snapshot).
    var storedObjects: [Key: Stored] { objects }

    /// Puts back a saved state: the objects, and the kinds their CRDs serve.
    func replaceObjects(_ restored: [Key: Stored], resourceVersion: Int) {
        objects = restored
        self.resourceVersion = max(self.resourceVersion, resourceVersion)
        types = KubeResourceType.builtIn
        for (key, stored) in restored where key.plural == "customresourcedefinitions" { register(stored.object) }
        tombstones = []
        terminating = [:]
    }

    // MARK: Writing

    /// Server-side apply: conflicts with other managers' fields unless forced; fields this
    /// manager stops applying are removed unless someone else owns them.
    func apply(
        _ type: KubeResourceType, namespace: String, name: String, body: Value, manager: String, force: Bool
    ) throws(KubeFailure) -> (object: Value, created: Bool) {
        try checkBody(body, type, name: name, namespace: namespace)
        let key = key(type, namespace, name)
        let applied = KubeFields.paths(of: body)
        var stored = objects[key] ?? Stored(object: [:], owners: [:], changedAt: .now)
        let created = objects[key] == nil
        var conflicts: [(String, KubeFields.Path)] = []
        for (other, owner) in stored.owners where other != manager {
            for path in applied {
                for owned in owner.paths where KubeFields.overlap(path, owned) {
                    if KubeFields.value(at: owned, in: body) != KubeFields.value(at: owned, in: stored.object) {
                        conflicts.append((other, owned))
                    }
                }
            }
        }
        if !conflicts.isEmpty && !force {
            let lines = conflicts.map { "conflict with \"\($0.0)\": \(KubeFields.dotted($0.1))" }
            throw KubeFailure(
                code: 409, reason: "Conflict",
                message:
                    "Apply failed with \(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s"): \(lines.joined(separator: "\n"))",
                causes: conflicts.map {
                    [
                        "reason": "FieldManagerConflict", "message": .string("conflict with \"\($0.0)\""),
                        "field": .string(KubeFields.dotted($0.1)),
                    ]
                })
        }
        for (other, owned) in conflicts {
            let kept: Set<KubeFields.Path> = stored.owners[other]?.paths.filter { !KubeFields.overlap($0, owned) } ?? []
            stored.owners[other]?.paths = kept
        }
        let others = stored.owners.filter { $0.key != manager }.flatMap(\.value.paths)
        let dropped = (stored.owners[manager]?.paths ?? []).filter { path in
            !applied.contains(path) && !others.contains { KubeFields.overlap($0, path) }
        }
        var object = stored.object
        for path in dropped { object = KubeFields.removing(path, from: object) }
        var content = body
        if case .object(var members) = content {
            members["status"] = nil
            content = .object(members)
        }
        object = KubeFields.merge(object, content)
        stored.owners[manager] = Owner(operation: "Apply", apiVersion: type.apiVersion, paths: applied)
        stored.owners = stored.owners.filter { !$0.value.paths.isEmpty }
        try store(&stored, object: object, key: key, type: type, created: created)
        return (render(stored, type), created)
    }

    /// A JSON merge patch by `manager` (an `Update`: it takes the fields it changes, no conflicts),
    /// the way `kubectl edit` or a controller changes an object behind the applier's back.
    func update(_ type: KubeResourceType, namespace: String, name: String, patch: Value, manager: String, create: Bool = false)
        throws(KubeFailure) -> Value
    {
        let key = key(type, namespace, name)
        if create { try checkBody(patch, type, name: name, namespace: namespace) }
        guard var stored = objects[key] ?? (create ? Stored(object: [:], owners: [:], changedAt: .now) : nil) else {
            throw notFound(type, name)
        }
        let changed = KubeFields.paths(of: patch)
        for other in stored.owners.keys where other != manager {
            let kept: Set<KubeFields.Path> =
                stored.owners[other]?.paths.filter { path in !changed.contains { KubeFields.overlap($0, path) } } ?? []
            stored.owners[other]?.paths = kept
        }
        stored.owners[manager, default: Owner(operation: "Update", apiVersion: type.apiVersion, paths: [])].paths.formUnion(changed)
        try store(&stored, object: KubeFields.merge(stored.object, patch), key: key, type: type, created: create)
        return render(stored, type)
    }

    /// A merge patch of the `status` subresource, as a kubelet sends its node status
    /// (kubernetes/kubernetes `pkg/kubelet/kubelet_node_status.go` `tryUpdateNodeStatus` patches
    /// `nodes/<name>/status`); the object's spec and metadata stay as they are.
    func patchStatus(_ type: KubeResourceType, namespace: String, name: String, patch: Value) throws(KubeFailure) -> Value {
        let key = key(type, namespace, name)
        guard var stored = objects[key] else { throw notFound(type, name) }
        stored.status = KubeFields.merge(stored.status ?? [:], patch["status"] ?? [:])
        resourceVersion += 1
        stored.object = stored.object.setting(["metadata", "resourceVersion"], .string(String(resourceVersion)))
        objects[key] = stored
        return render(stored, type)
    }

    /// An eviction (`POST pods/<name>/eviction`) deletes the pod; the real registry first checks
    /// the PodDisruptionBudgets that select it (kubernetes/kubernetes
    /// `pkg/registry/core/pod/storage/eviction.go`), which the simulator does not hold.
    func evict(namespace: String, name: String) throws(KubeFailure) {
        let pods = KubeResourceType(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true)
        _ = try delete(pods, namespace: namespace, name: name)
    }

    func delete(_ type: KubeResourceType, namespace: String, name: String) throws(KubeFailure) -> Value {
        purgeTerminated()
        let key = key(type, namespace, name)
        if type.plural == "namespaces", var stored = objects[key] {
            // Terminating first; the namespace and everything in it go after the delay.
            if terminating[name] == nil {
                terminating[name] = .now
                stored.object = stored.object.setting(
                    ["metadata", "deletionTimestamp"], .string(ISO8601DateFormatter().string(from: Date())))
                objects[key] = stored
                resourceVersion += 1
            }
            return render(stored, type)
        }
        guard let stored = objects[key] else { throw notFound(type, name) }
        remove { $0 == key }
        if type.plural == "customresourcedefinitions" {
            let group = stored.object["spec"]?["group"]?.stringValue ?? ""
            let plural = stored.object["spec"]?["names"]?["plural"]?.stringValue ?? ""
            types.removeAll { $0.group == group && $0.plural == plural }
            remove { $0.group == group && $0.plural == plural }
        }
        return render(stored, type)
    }

    /// Removes the matching objects under one new version, leaving tombstones for watches.
    private func remove(where matches: (Key) -> Bool) {
        resourceVersion += 1
        for (key, stored) in objects where matches(key) {
            objects[key] = nil
            tombstones.append((key, stored.object, resourceVersion))
        }
        if tombstones.count > 2000 { tombstones.removeFirst(tombstones.count - 2000) }
    }

    /// Watch events after `version`: what changed or appeared (ADDED/MODIFIED) and what was deleted.
    func events(_ type: KubeResourceType, namespace: String?, name: String?, since version: Int) -> [Value] {
        purgeTerminated()
        func matches(_ key: Key) -> Bool {
            key.group == type.group && key.plural == type.plural && (namespace == nil || key.namespace == namespace)
                && (name == nil || key.name == name)
        }
        var events: [Value] = []
        for (key, stored) in objects.sorted(by: { ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name) }) where matches(key) {
            guard let changed = Int(stored.object["metadata"]?["resourceVersion"]?.stringValue ?? ""), changed > version || version == 0
            else { continue }
            events.append([
                "type": .string(stored.createdVersion > version || version == 0 ? "ADDED" : "MODIFIED"), "object": render(stored, type),
            ])
        }
        for tombstone in tombstones where tombstone.version > version && version != 0 && matches(tombstone.key) {
            events.append([
                "type": "DELETED", "object": tombstone.object.setting(["metadata", "resourceVersion"], .string(String(tombstone.version))),
            ])
        }
        return events
    }

    private func purgeTerminated() {
        for (namespace, since) in terminating where ContinuousClock.now - since >= readyDelay {
            remove { $0.namespace == namespace || ($0.plural == "namespaces" && $0.name == namespace) }
            terminating[namespace] = nil
        }
    }

    private func store(_ stored: inout Stored, object: Value, key: Key, type: KubeResourceType, created: Bool) throws(KubeFailure) {
        resourceVersion += 1
        var metadata = object["metadata"]?.objectValue ?? [:]
        let specChanged = created || Self.specPart(object) != Self.specPart(stored.object)
        metadata["name"] = .string(key.name)
        if type.namespaced { metadata["namespace"] = .string(key.namespace) }
        metadata["resourceVersion"] = .string(String(resourceVersion))
        if created {
            stored.createdVersion = resourceVersion
            metadata["uid"] = .string(UUID().uuidString.lowercased())
            metadata["creationTimestamp"] = .string(ISO8601DateFormatter().string(from: Date()))
        }
        let generation = stored.object["metadata"]?["generation"]?.intValue ?? 0
        metadata["generation"] = .int(specChanged ? generation + 1 : generation)
        var members = object.objectValue ?? [:]
        members["apiVersion"] = .string(type.apiVersion)
        members["kind"] = .string(type.kind)
        members["metadata"] = .object(metadata)
        stored.object = .object(members)
        if specChanged { stored.changedAt = .now }
        objects[key] = stored
        if type.plural == "customresourcedefinitions" { register(stored.object) }
    }

    /// A CRD's kinds are served as soon as it is stored (Established follows after the delay).
    private func register(_ crd: Value) {
        let spec = crd["spec"]
        guard let group = spec?["group"]?.stringValue, let kind = spec?["names"]?["kind"]?.stringValue,
            let plural = spec?["names"]?["plural"]?.stringValue
        else { return }
        let namespaced = spec?["scope"]?.stringValue != "Cluster"
        for version in spec?["versions"]?.arrayValue ?? [] where version["served"]?.boolValue != false {
            guard let name = version["name"]?.stringValue else { continue }
            let type = KubeResourceType(group: group, version: name, kind: kind, plural: plural, namespaced: namespaced)
            if !types.contains(type) { types.append(type) }
        }
    }

    private func checkBody(_ body: Value, _ type: KubeResourceType, name: String, namespace: String) throws(KubeFailure) {
        guard body.objectValue != nil else { throw KubeFailure(code: 400, reason: "BadRequest", message: "the body is not an object") }
        if let kind = body["kind"]?.stringValue, kind != type.kind {
            throw KubeFailure(code: 400, reason: "BadRequest", message: "the kind \(kind) does not match the URL's \(type.kind)")
        }
        if let bodyName = body["metadata"]?["name"]?.stringValue, bodyName != name {
            throw KubeFailure(
                code: 400, reason: "BadRequest", message: "the name in the body (\(bodyName)) does not match the URL (\(name))")
        }
        if type.namespaced && terminating[namespace] != nil {
            throw KubeFailure(code: 403, reason: "Forbidden", message: "namespace \(namespace) is being terminated")
        }
        if type.namespaced && objects[Key(group: "", plural: "namespaces", namespace: "", name: namespace)] == nil {
            throw KubeFailure(code: 404, reason: "NotFound", message: "namespaces \"\(namespace)\" not found")
        }
    }

    private static func specPart(_ object: Value) -> Value {
        var members = object.objectValue ?? [:]
        members["metadata"] = nil
        members["status"] = nil
        return .object(members)
    }

    private func key(_ type: KubeResourceType, _ namespace: String, _ name: String) -> Key {
        Key(group: type.group, plural: type.plural, namespace: type.namespaced ? namespace : "", name: name)
    }

    private func notFound(_ type: KubeResourceType, _ name: String) -> KubeFailure {
        KubeFailure(code: 404, reason: "NotFound", message: "\(type.plural).\(type.group.isEmpty ? "" : type.group) \"\(name)\" not found")
    }

    // MARK: Rendering

    /// Whether a CNI runs: Cilium's agent DaemonSet in kube-system, rolled out.
    private var isPodNetworkReady: Bool {
        let key = Key(group: "apps", plural: "daemonsets", namespace: "kube-system", name: "cilium")
        guard let stored = objects[key] else { return false }
        return ContinuousClock.now - stored.changedAt >= readyDelay
    }

    private func render(_ stored: Stored, _ type: KubeResourceType) -> Value {
        guard case .object(var members) = stored.object else { return stored.object }
        var metadata = members["metadata"]?.objectValue ?? [:]
        metadata["managedFields"] = .array(
            stored.owners.sorted { $0.key < $1.key }.map { manager, owner in
                [
                    "manager": .string(manager), "operation": .string(owner.operation), "apiVersion": .string(owner.apiVersion),
                    "fieldsType": "FieldsV1", "fieldsV1": KubeFields.fieldsV1(owner.paths),
                ]
            })
        members["metadata"] = .object(metadata)
        if type.kind == "Node" {
            members["status"] = KubeFields.merge(stored.status ?? [:], KubeStatusSimulation.nodeStatus(networkReady: isPodNetworkReady))
        } else if let status = KubeStatusSimulation.status(
            of: stored.object, type: type, ready: ContinuousClock.now - stored.changedAt >= readyDelay)
        {
            members["status"] = status
        }
        return .object(members)
    }
}
