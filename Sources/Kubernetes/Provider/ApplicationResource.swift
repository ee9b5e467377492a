import HomelabCore

/// An ArgoCD `Application`: created in ArgoCD's namespace, then waited for until Synced and
/// Healthy, so Applications that depend on it start only after it is.
enum ApplicationResource: ResourceHandler {
    static let type = KubernetesTypes.application

    static let apiVersion = "argoproj.io/v1alpha1"

    /// The Application object for the attributes a Swift `Application` compiled into.
    static func object(_ attributes: ApplicationAttributes) -> Value {
        var spec: [String: Value] = [:]
        switch attributes.source {
        case .helm(let repo, let chart, let version, let values):
            var helm: [String: Value] = [:]
            if values != .null { helm["valuesObject"] = values }
            spec["source"] = [
                "repoURL": .string(repo), "chart": .string(chart), "targetRevision": .string(version), "helm": .object(helm),
            ]
        case .git(let repo, let path, let revision):
            spec["source"] = ["repoURL": .string(repo), "path": .string(path), "targetRevision": .string(revision)]
        }
        spec["project"] = "default"
        // No namespace for Applications of cluster-scoped objects (CRDs, policies).
        var destination: [String: Value] = ["server": "https://kubernetes.default.svc"]
        if let namespace = attributes.namespace { destination["namespace"] = .string(namespace) }
        spec["destination"] = .object(destination)
        spec["syncPolicy"] = [
            "automated": ["prune": .bool(attributes.prune), "selfHeal": .bool(attributes.selfHeal)],
            "syncOptions": .strings(attributes.syncOptions),
        ]
        var metadata: [String: Value] = ["name": .string(attributes.name), "namespace": .string(attributes.argocdNamespace)]
        if !attributes.annotations.isEmpty { metadata["annotations"] = .object(attributes.annotations.mapValues(Value.string)) }
        return ["apiVersion": .string(apiVersion), "kind": "Application", "metadata": .object(metadata), "spec": .object(spec)]
    }

    static func read(_ request: TypedRead<ApplicationAttributes>, using session: KubernetesSession) async throws
        -> ApplicationAttributes?
    {
        let prior = request.prior
        guard
            let live = try await session.client.get(
                apiVersion: apiVersion, kind: "Application", namespace: prior.argocdNamespace, name: prior.name)
        else { return nil }
        // The live object, read back through what HomelabKit applied, mapped to the attributes.
        let projected = AppliedFields.project(live, onto: object(prior))
        let spec = projected["spec"] ?? .null
        let automated = spec["syncPolicy"]?["automated"]
        var real = prior
        real.namespace = spec["destination"]?["namespace"]?.stringValue
        real.prune = automated?["prune"]?.boolValue ?? false
        real.selfHeal = automated?["selfHeal"]?.boolValue ?? false
        real.syncOptions = (spec["syncPolicy"]?["syncOptions"]?.arrayValue ?? []).compactMap(\.stringValue)
        let source = spec["source"] ?? .null
        let text = { (key: String) in source[key]?.stringValue ?? "" }
        switch prior.source {
        case .helm:
            real.source = .helm(
                repo: text("repoURL"), chart: text("chart"), version: text("targetRevision"),
                values: source["helm"]?["valuesObject"] ?? .null)
        case .git:
            real.source = .git(repo: text("repoURL"), path: text("path"), revision: text("targetRevision"))
        }
        real.annotations = (projected["metadata"]?["annotations"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        return real
    }

    static func create(_ request: TypedCreate<ApplicationAttributes>, using session: KubernetesSession) async throws
        -> ApplicationAttributes
    {
        try await apply(request.desired, session: session, progress: request.progress)
    }

    static func update(_ request: TypedUpdate<ApplicationAttributes>, using session: KubernetesSession) async throws
        -> ApplicationAttributes
    {
        try await apply(request.desired, session: session, progress: request.progress)
    }

    /// A server-side apply, then a wait until Synced and Healthy.
    private static func apply(
        _ desired: ApplicationAttributes, session: KubernetesSession, progress: @escaping @Sendable (String) -> Void
    ) async throws -> ApplicationAttributes {
        let application = object(desired)
        try await session.client.apply(application, fieldManager: fieldManager, force: true)
        try await session.client.waitUntilReady(
            application, namespace: desired.argocdNamespace, options: session.options, progress: progress)
        return desired
    }

    static func delete(_ request: TypedDelete<ApplicationAttributes>, using session: KubernetesSession) async throws {
        try await session.client.delete(
            apiVersion: apiVersion, kind: "Application", namespace: request.prior.argocdNamespace, name: request.prior.name)
    }
}
