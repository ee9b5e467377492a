import HomelabCore

/// An ArgoCD `Application`: created in ArgoCD's namespace, then waited for until Synced and
/// Healthy, so Applications that depend on it start only after it is.
enum ApplicationResource: KubernetesResource {
    static let type = KubernetesTypes.application

    static let apiVersion = "argoproj.io/v1alpha1"

    /// The Application object for the attributes a Swift `Application` compiled into.
    static func object(_ attributes: Value) throws -> Value {
        let name = try attributes.requireString("name")
        let source = attributes["source"] ?? .null
        var spec: [String: Value] = [:]
        switch source["kind"]?.stringValue {
        case "helm":
            var helm: [String: Value] = [:]
            if let values = source["values"], values != .null { helm["valuesObject"] = values }
            spec["source"] = [
                "repoURL": source["repo"] ?? .null, "chart": source["chart"] ?? .null, "targetRevision": source["version"] ?? .null,
                "helm": .object(helm),
            ]
        default:
            spec["source"] = [
                "repoURL": source["repo"] ?? .null, "path": source["path"] ?? .null, "targetRevision": source["revision"] ?? "HEAD",
            ]
        }
        spec["project"] = "default"
        spec["destination"] = ["server": "https://kubernetes.default.svc", "namespace": attributes["namespace"] ?? .string(name)]
        var automated: [String: Value] = [:]
        automated["prune"] = attributes["prune"] ?? true
        automated["selfHeal"] = attributes["selfHeal"] ?? true
        spec["syncPolicy"] = ["automated": .object(automated), "syncOptions": attributes["syncOptions"] ?? .strings([])]
        var metadata: [String: Value] = ["name": .string(name), "namespace": attributes["argocdNamespace"] ?? "argocd"]
        if let annotations = attributes["annotations"]?.objectValue, !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
        return ["apiVersion": .string(apiVersion), "kind": "Application", "metadata": .object(metadata), "spec": .object(spec)]
    }

    static func read(_ prior: Value, client: KubernetesClient, options: KubernetesProvider.Options) async throws -> Value? {
        guard
            let live = try await client.get(
                apiVersion: apiVersion, kind: "Application", namespace: prior["argocdNamespace"]?.stringValue,
                name: try prior.requireString("name"))
        else { return nil }
        // The live object, read back through what HomelabKit applied, mapped to the attributes.
        let applied = try object(prior)
        let projected = AppliedFields.project(live, onto: applied)
        var attributes = prior
        let spec = projected["spec"] ?? .null
        attributes = attributes.with("namespace", spec["destination"]?["namespace"] ?? .null)
        attributes = attributes.with("prune", spec["syncPolicy"]?["automated"]?["prune"] ?? false)
        attributes = attributes.with("selfHeal", spec["syncPolicy"]?["automated"]?["selfHeal"] ?? false)
        attributes = attributes.with("syncOptions", spec["syncPolicy"]?["syncOptions"] ?? .strings([]))
        var source = prior["source"] ?? .null
        let liveSource = spec["source"] ?? .null
        if source["kind"]?.stringValue == "helm" {
            source = source.with("repo", liveSource["repoURL"] ?? .null).with("chart", liveSource["chart"] ?? .null)
                .with("version", liveSource["targetRevision"] ?? .null).with("values", liveSource["helm"]?["valuesObject"] ?? .null)
        } else {
            source = source.with("repo", liveSource["repoURL"] ?? .null).with("path", liveSource["path"] ?? .null)
                .with("revision", liveSource["targetRevision"] ?? .null)
        }
        attributes = attributes.with("source", source)
        attributes = attributes.with("annotations", projected["metadata"]?["annotations"] ?? .object([:]))
        return attributes
    }

    static func apply(
        _ desired: Value, prior: Value?, client: KubernetesClient, options: KubernetesProvider.Options,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Value {
        let application = try object(desired)
        try await client.apply(application, fieldManager: fieldManager, force: true)
        try await client.waitUntilReady(
            application, namespace: desired["argocdNamespace"]?.stringValue, options: options, progress: progress)
        return desired
    }

    static func delete(_ prior: Value, client: KubernetesClient, progress: @escaping @Sendable (String) -> Void) async throws {
        try await client.delete(
            apiVersion: apiVersion, kind: "Application", namespace: prior["argocdNamespace"]?.stringValue,
            name: try prior.requireString("name"))
    }
}
