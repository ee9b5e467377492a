import HomelabCore

/// ArgoCD installed from its pinned upstream manifest.
public struct ArgoCD: ClusterContent {
    public var version: String
    public var namespace: String
    /// The SHA-256 of the install manifest; the download is refused if it differs.
    public var manifestSHA256: String?
    /// Entries merged into `argocd-cm` and `argocd-cmd-params-cm`.
    public var config: [String: String]
    public var commandParameters: [String: String]
    public var location: SourceLocation

    public init(
        _ version: String,
        namespace: String = "argocd",
        manifestSHA256: String? = nil,
        config: [String: String] = [:],
        commandParameters: [String: String] = [:],
        installURL: String? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.version = version
        self.namespace = namespace
        self.manifestSHA256 = manifestSHA256
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
        if let digest = manifestSHA256, digest.count != 64 || !digest.allSatisfy(\.isHexDigit) {
            graph.error("\(address): manifestSHA256 must be 64 hexadecimal digits", at: location, address: address)
        }
        graph.add(
            ResourceSpec(
                address: address,
                type: KubernetesTypes.argocd,
                attributes: ArgoCDAttributes(
                    cluster: cluster.name, version: version, namespace: namespace, installURL: installURL, manifestSHA256: manifestSHA256,
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
