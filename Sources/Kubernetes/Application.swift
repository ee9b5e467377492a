import Foundation
import HomelabCore

/// An ArgoCD Application: a Helm chart or a Git path synced into a namespace, or several sources
/// at once (ArgoCD's multi-source Applications: a chart, the Git repository holding its values
/// files as `$values`, and a directory of the app's own manifests, as the seed's ApplicationSet
/// builds them).
public struct Application: ClusterContent {
    public enum Source: Sendable, Hashable {
        /// A chart from a Helm repository (or an OCI registry such as `ghcr.io/seerr-team/seerr`),
        /// with inline values and values files (`$values/k8s/apps/sonarr/values.yml` names a file
        /// in the source whose `ref` is `values`).
        case helm(repo: String, chart: String, version: String, values: Value = .null, valueFiles: [String] = [])
        /// A directory of manifests or a kustomization in a Git repository.
        case git(repo: String, path: String, revision: String = "HEAD")
        /// A Git repository the other sources refer to as `$<name>`; ArgoCD deploys nothing from it.
        case ref(String, repo: String, revision: String = "HEAD")
    }

    public var name: String
    public var namespace: String?
    /// One source, or several (ArgoCD's `sources`).
    public var sources: [Source]
    public var createNamespace: Bool
    public var syncOptions: [String]
    public var prune: Bool
    public var selfHeal: Bool
    public var annotations: [String: String]
    /// Other applications of this cluster, by name, that must be Synced and Healthy first.
    public var after: [String]
    /// Resource addresses (`vm.web`, `host.pve`) applied first, as everywhere else.
    public var dependsOn: [String]
    public var location: SourceLocation

    public init(
        _ name: String,
        namespace: String?,
        source: Source,
        createNamespace: Bool = false,
        syncOptions: [String] = [],
        prune: Bool = true,
        selfHeal: Bool = true,
        annotations: [String: String] = [:],
        after: [String] = [],
        dependsOn: [String] = [],
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.init(
            name, namespace: namespace, sources: [source], createNamespace: createNamespace, syncOptions: syncOptions, prune: prune,
            selfHeal: selfHeal, annotations: annotations, after: after, dependsOn: dependsOn, fileID: fileID, line: line,
            column: column)
    }

    public init(
        _ name: String,
        namespace: String?,
        sources: [Source],
        createNamespace: Bool = false,
        syncOptions: [String] = [],
        prune: Bool = true,
        selfHeal: Bool = true,
        annotations: [String: String] = [:],
        after: [String] = [],
        dependsOn: [String] = [],
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.name = name
        self.namespace = namespace
        self.sources = sources
        self.createNamespace = createNamespace
        self.syncOptions = syncOptions
        self.prune = prune
        self.selfHeal = selfHeal
        self.annotations = annotations
        self.after = after
        self.dependsOn = dependsOn
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    /// What ArgoCD would refuse in the sources: none at all, an incomplete chart, a `ref` twice,
    /// or a values file under `$name/` with no source whose `ref` is `name`.
    private func checkSources(_ address: ResourceAddress, into graph: inout GraphBuilder) {
        if sources.isEmpty { graph.error("\(address): an Application needs a source", at: location, address: address) }
        var refs: [String] = []
        for source in sources { if case .ref(let name, _, _) = source { refs.append(name) } }
        for name in Set(refs) where refs.filter({ $0 == name }).count > 1 {
            graph.error("\(address): two sources have ref '\(name)'", at: location, address: address)
        }
        for source in sources {
            guard case .helm(let repo, let chart, let version, _, let valueFiles) = source else { continue }
            if repo.isEmpty || chart.isEmpty || version.isEmpty {
                graph.error("\(address): a Helm source needs a repo, a chart and a version", at: location, address: address)
            }
            for file in valueFiles where file.hasPrefix("$") {
                let name = String(file.dropFirst().prefix { $0 != "/" })
                if !refs.contains(name) {
                    graph.error(
                        "\(address): values file '\(file)' refers to $\(name), but no source has ref '\(name)' (add .ref(\"\(name)\", repo: …))",
                        at: location, address: address)
                }
            }
        }
    }

    public static func address(cluster: String, name: String) -> ResourceAddress {
        ResourceAddress(kind: "app", name: "\(cluster)/\(name)")
    }

    public func compile(in cluster: ClusterContext, into graph: inout GraphBuilder) {
        let address = Self.address(cluster: cluster.name, name: name)
        if !KubernetesNames.isLabel(name) {
            graph.error(
                "\(address): '\(name)' is not a valid Kubernetes name (lowercase letters, digits, '-')", at: location, address: address)
        }
        if let namespace, !KubernetesNames.isLabel(namespace) {
            graph.error("\(address): namespace '\(namespace)' is not a valid Kubernetes name", at: location, address: address)
        }
        for option in syncOptions where !option.contains("=") {
            graph.error("\(address): sync option '\(option)' must look like Name=value", at: location, address: address)
        }
        checkSources(address, into: &graph)
        var references = cluster.baseReferences(at: location)
        if let argocd = cluster.argocd {
            references.append(Reference(argocd, at: location, purpose: "ArgoCD"))
        } else {
            graph.error("\(address): an Application needs ArgoCD declared in cluster \(cluster.name)", at: location, address: address)
        }
        for other in after {
            references.append(Reference(Self.address(cluster: cluster.name, name: other), at: location, purpose: "after"))
        }
        references += graph.references(dependsOn, purpose: "dependsOn", at: location)
        var options = syncOptions
        if createNamespace && !options.contains("CreateNamespace=true") { options.append("CreateNamespace=true") }
        graph.add(
            ResourceSpec(
                address: address,
                type: KubernetesTypes.application,
                attributes: ApplicationAttributes(
                    cluster: cluster.name, name: name, argocdNamespace: cluster.argocdNamespace, namespace: namespace, sources: sources,
                    syncOptions: options, prune: prune, selfHeal: selfHeal, annotations: annotations),
                location: location,
                references: references,
                providerConfiguration: cluster.configurationKey
            )
        )
    }
}

/// Kubernetes objects given as YAML, applied with server-side apply.
public struct Manifest: ClusterContent {
    /// What server-side apply does when another field manager owns a field this manifest sets.
    public enum Conflicts: String, Sendable, Hashable {
        /// Take the field over (`force=true`): the description wins, as the plan showed.
        case takeOver
        /// Fail with the manager and field in the error (`force=false`).
        case fail
    }

    public var name: String
    public var conflicts: Conflicts = .takeOver
    /// The objects, parsed when the description is built so a broken document points at its line.
    public var documents: Result<[Value], ManifestError>
    public var dependsOn: [String]
    public var location: SourceLocation

    /// Objects as Swift values.
    public init(
        _ name: String, objects: [Value], conflicts: Conflicts = .takeOver, dependsOn: [String] = [], fileID: String = #fileID,
        line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.documents = .success(objects)
        self.conflicts = conflicts
        self.dependsOn = dependsOn
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    /// One or more YAML documents (`---` between them).
    public init(
        _ name: String, yaml: String, conflicts: Conflicts = .takeOver, dependsOn: [String] = [], fileID: String = #fileID,
        line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.documents = ManifestDocuments.parse(yaml)
        self.conflicts = conflicts
        self.dependsOn = dependsOn
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    /// YAML documents from a file, read when the description is built.
    public init(
        _ name: String, file path: String, conflicts: Conflicts = .takeOver, dependsOn: [String] = [], fileID: String = #fileID,
        line: Int = #line, column: Int = #column
    ) {
        self.name = name
        if let data = FileManager.default.contents(atPath: path) {
            self.documents = ManifestDocuments.parse(String(decoding: data, as: UTF8.self))
        } else {
            self.documents = .failure(ManifestError(message: "cannot read \(path)"))
        }
        self.conflicts = conflicts
        self.dependsOn = dependsOn
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(in cluster: ClusterContext, into graph: inout GraphBuilder) {
        let address = ResourceAddress(kind: "manifest", name: "\(cluster.name)/\(name)")
        var objects: [Value] = []
        switch documents {
        case .failure(let error): graph.error("\(address): \(error.message)", at: location, address: address)
        case .success(let parsed): objects = parsed
        }
        if case .success = documents, objects.isEmpty { graph.error("\(address): the manifest is empty", at: location, address: address) }
        for (index, object) in objects.enumerated() {
            if object["apiVersion"]?.stringValue == nil || object["kind"]?.stringValue == nil
                || object["metadata"]?["name"]?.stringValue == nil
            {
                graph.error("\(address): object \(index + 1) needs apiVersion, kind and metadata.name", at: location, address: address)
            }
        }
        graph.add(
            ResourceSpec(
                address: address,
                type: KubernetesTypes.manifest,
                attributes: ManifestAttributes(cluster: cluster.name, objects: objects, conflicts: conflicts),
                location: location,
                references: cluster.baseReferences(at: location) + graph.references(dependsOn, purpose: "dependsOn", at: location),
                providerConfiguration: cluster.configurationKey
            )
        )
    }
}

/// Why a manifest's documents could not be read.
public struct ManifestError: Error, Sendable, Hashable {
    public var message: String
}
