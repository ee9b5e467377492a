import HomelabCore

/// ArgoCD installed from its upstream manifest, which is applied only if it is the one trusted.
public struct ArgoCD: ClusterContent {
    public var version: String
    public var namespace: String
    public var manifest: ManifestTrust
    /// Entries merged into `argocd-cm` and `argocd-cmd-params-cm`.
    public var config: [String: String]
    public var commandParameters: [String: String]
    public var location: SourceLocation

    public init(
        _ version: String,
        namespace: String = "argocd",
        manifest: ManifestTrust,
        config: [String: String] = [:],
        commandParameters: [String: String] = [:],
        installURL: String? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.version = version
        self.namespace = namespace
        self.manifest = manifest
        self.config = config
        self.commandParameters = commandParameters
        self.installURLOverride = installURL
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public static func address(cluster: String) -> ResourceAddress { ResourceAddress(kind: "argocd", name: cluster) }

    /// Where the install manifest comes from (the release's `install.yaml` unless overridden).
    public var installURL: String {
        installURLOverride ?? "https://raw.githubusercontent.com/argoproj/argo-cd/\(version)/manifests/install.yaml"
    }
    public var installURLOverride: String?

    public func compile(in cluster: ClusterContext, into graph: inout GraphBuilder) {
        let address = Self.address(cluster: cluster.name)
        if !version.hasPrefix("v") {
            graph.error("\(address): ArgoCD versions are release tags such as v3.3.6, not '\(version)'", at: location, address: address)
        }
        if !KubernetesNames.isLabel(namespace) {
            graph.error("\(address): namespace '\(namespace)' is not a valid Kubernetes name", at: location, address: address)
        }
        if case .sha256(let digest) = manifest, digest.count != 64 || !digest.allSatisfy(\.isHexDigit) {
            graph.error("\(address): a manifest's SHA-256 is 64 hexadecimal digits, not '\(digest)'", at: location, address: address)
        }
        graph.add(
            ResourceSpec(
                address: address,
                type: KubernetesTypes.argocd,
                attributes: ArgoCDAttributes(
                    cluster: cluster.name, version: version, namespace: namespace, installURL: installURL,
                    manifestSHA256: manifest.pinnedDigest,
                    config: config, commandParameters: commandParameters, objects: .unknown),
                location: location,
                references: cluster.baseReferences(at: location),
                providerConfiguration: cluster.configurationKey
            )
        )
    }

    /// The built-in objects HomelabKit writes besides the install manifest: the namespace, and
    /// the `argocd-cm` and `argocd-cmd-params-cm` data it owns.
    public static func generatedObjects(namespace: String, config: [String: Value], commandParameters: [String: Value])
        -> (namespace: Value, configMaps: [Value])
    {
        let configMaps: [Value] = [("argocd-cm", config), ("argocd-cmd-params-cm", commandParameters)].map { name, data in
            [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": .string(namespace)],
                "data": .object(data),
            ]
        }
        return (["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]], configMaps)
    }
}

/// Which install manifest is applied.
public enum ManifestTrust: Sendable, Equatable {
    /// Only the manifest with this SHA-256 (lowercase hexadecimal).
    case sha256(String)
    /// The first apply records the manifest's SHA-256 in state, and later applies refuse a download
    /// that differs from it, as SSH's known_hosts and Terraform's dependency lock file do. Pin it
    /// with `.sha256` once known: the first apply prints it.
    case trustOnFirstUse

    /// What the plan holds: the pin, or unknown until the first apply records it.
    var pinnedDigest: Computed<String> {
        switch self {
        case .sha256(let digest): return .known(digest.lowercased())
        case .trustOnFirstUse: return .unknown
        }
    }
}
