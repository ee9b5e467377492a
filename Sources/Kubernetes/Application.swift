import Foundation
import HomelabCore

/// An ArgoCD Application: a Helm chart or a Git path synced into a namespace.
public struct Application: ClusterContent {
    public enum Source: Sendable, Hashable {
        /// A chart from a Helm repository (or an OCI registry such as `ghcr.io/seerr-team/seerr`).
        case helm(repo: String, chart: String, version: String, values: Value = .null)
        /// A directory of manifests or a kustomization in a Git repository.
        case git(repo: String, path: String, revision: String = "HEAD")

        var value: Value {
            switch self {
            case .helm(let repo, let chart, let version, let values):
                return ["kind": "helm", "repo": .string(repo), "chart": .string(chart), "version": .string(version), "values": values]
            case .git(let repo, let path, let revision):
                return ["kind": "git", "repo": .string(repo), "path": .string(path), "revision": .string(revision)]
            }
        }
    }

    public var name: String
    public var namespace: String?
    public var source: Source
    public var createNamespace: Bool
    public var syncOptions: [String]
    public var prune: Bool
    public var selfHeal: Bool
    public var annotations: [String: String]
    /// Other applications of this cluster that must be Healthy first.
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
        dependsOn: [String] = [],
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.name = name
        self.namespace = namespace
        self.source = source
        self.createNamespace = createNamespace
        self.syncOptions = syncOptions
        self.prune = prune
        self.selfHeal = selfHeal
        self.annotations = annotations
        self.dependsOn = dependsOn
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
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
        if case .helm(let repo, let chart, let version, _) = source, repo.isEmpty || chart.isEmpty || version.isEmpty {
            graph.error("\(address): a Helm source needs a repo, a chart and a version", at: location, address: address)
        }
        var references = cluster.baseReferences(at: location)
        if let argocd = cluster.argocd {
            references.append(Reference(argocd, at: location, purpose: "ArgoCD"))
        } else {
            graph.error("\(address): an Application needs ArgoCD declared in cluster \(cluster.name)", at: location, address: address)
        }
        for other in dependsOn {
            references.append(Reference(Self.address(cluster: cluster.name, name: other), at: location, purpose: "dependsOn"))
        }
        var options = syncOptions
        if createNamespace && !options.contains("CreateNamespace=true") { options.append("CreateNamespace=true") }
        graph.add(
            ResourceSpec(
                address: address,
                type: KubernetesTypes.application,
                attributes: [
                    "cluster": .string(cluster.name), "name": .string(name),
                    "namespace": namespace.map(Value.string) ?? .null, "source": source.value,
                    "syncOptions": .strings(options), "prune": .bool(prune), "selfHeal": .bool(selfHeal),
                    "annotations": .object(annotations.mapValues(Value.string)),
                ],
                location: location,
                references: references
            )
        )
    }
}

/// Kubernetes objects given as YAML, applied with server-side apply.
public struct Manifest: ClusterContent {
    public var name: String
    public var yaml: String
    public var dependsOn: [String]
    public var location: SourceLocation

    public init(
        _ name: String,
        yaml: String,
        dependsOn: [String] = [],
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.name = name
        self.yaml = yaml
        self.dependsOn = dependsOn
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(in cluster: ClusterContext, into graph: inout GraphBuilder) {
        let address = ResourceAddress(kind: "manifest", name: "\(cluster.name)/\(name)")
        if yaml.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            graph.error("\(address): the manifest is empty", at: location, address: address)
        }
        graph.add(
            ResourceSpec(
                address: address,
                type: KubernetesTypes.manifest,
                attributes: ["cluster": .string(cluster.name), "yaml": .string(yaml)],
                location: location,
                references: cluster.baseReferences(at: location) + graph.references(dependsOn, purpose: "dependsOn", at: location)
            )
        )
    }
}
