import HomelabCore

/// An ArgoCD `Application`: created in ArgoCD's namespace, then waited for until Synced and
/// Healthy, so Applications that depend on it start only after it is.
enum ApplicationResource: ResourceHandler {
    static let type = KubernetesTypes.application

    static let apiVersion = "argoproj.io/v1alpha1"

    /// The Application object for the attributes a Swift `Application` compiled into.
    static func object(_ attributes: ApplicationAttributes) -> Value {
        var spec: [String: Value] = [:]
        let sources = attributes.sources.map(Self.object)
        if sources.count == 1 { spec["source"] = sources[0] } else { spec["sources"] = .array(sources) }
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

    /// One entry of `spec.source`/`spec.sources` (argo-cd `pkg/apis/application/v1alpha1`
    /// `ApplicationSource`: `repoURL`, `chart`, `path`, `targetRevision`, `ref`, `helm`).
    static func object(_ source: Application.Source) -> Value {
        switch source {
        case .helm(let repo, let chart, let version, let values, let valueFiles):
            var helm: [String: Value] = [:]
            if values != .null { helm["valuesObject"] = values }
            if !valueFiles.isEmpty { helm["valueFiles"] = .strings(valueFiles) }
            return ["repoURL": .string(repo), "chart": .string(chart), "targetRevision": .string(version), "helm": .object(helm)]
        case .git(let repo, let path, let revision):
            return ["repoURL": .string(repo), "path": .string(path), "targetRevision": .string(revision)]
        case .ref(let name, let repo, let revision):
            return ["repoURL": .string(repo), "targetRevision": .string(revision), "ref": .string(name)]
        }
    }

    /// The source a live entry holds, read as the kind HomelabKit applied there.
    static func source(_ live: Value, as applied: Application.Source) -> Application.Source {
        let text = { (key: String) in live[key]?.stringValue ?? "" }
        switch applied {
        case .helm:
            return .helm(
                repo: text("repoURL"), chart: text("chart"), version: text("targetRevision"),
                values: live["helm"]?["valuesObject"] ?? .null,
                valueFiles: (live["helm"]?["valueFiles"]?.arrayValue ?? []).compactMap(\.stringValue))
        case .git:
            return .git(repo: text("repoURL"), path: text("path"), revision: text("targetRevision"))
        case .ref:
            return .ref(text("ref"), repo: text("repoURL"), revision: text("targetRevision"))
        }
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
        let entries = prior.sources.count == 1 ? [spec["source"] ?? .null] : spec["sources"]?.arrayValue ?? []
        real.sources = zip(entries, prior.sources).map { Self.source($0, as: $1) }
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
