import HomelabCore

/// Where an apt repository's signing key comes from.
public enum AptKey: Sendable, Hashable {
    /// The ASCII-armored key itself, written to the host.
    case armored(String)
    /// A URL the host downloads the key from (with `curl`), like the seed's Docker and
    /// pkgs.k8s.io keys.
    case url(String)
}

/// An apt source in `/etc/apt/sources.list.d/<name>.list`, signed by its own key in
/// `/etc/apt/keyrings/<name>.asc` (`signed-by`, never the global trust store). Only this source
/// is refreshed after it changes.
public struct AptRepository: HostContent {
    public var name: String
    public var uri: String
    public var suite: String
    public var components: [String]
    public var key: AptKey?
    public var location: SourceLocation

    public init(
        _ name: String, uri: String, suite: String, components: [String] = [], key: AptKey? = nil,
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.uri = uri
        self.suite = suite
        self.components = components
        self.key = key
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public var keyring: String { "/etc/apt/keyrings/\(name).asc" }
    public var listPath: String { "/etc/apt/sources.list.d/\(name).list" }

    /// The source line apt reads.
    public var sourceLine: String {
        let options = key == nil ? "" : "[signed-by=\(keyring)] "
        return (["deb \(options)\(uri)", suite] + components).joined(separator: " ")
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        if name.isEmpty || name.contains("/") || name.contains(" ") {
            graph.error("apt repository name '\(name)' must be a plain file name", at: location)
        }
        if !["http://", "https://", "file:/"].contains(where: uri.hasPrefix) {
            graph.error("apt repository \(name): '\(uri)' is not an http(s) or file URI", at: location)
        }
        var keyValue: Value = .null
        switch key {
        case .armored(let text):
            if !text.contains("BEGIN PGP PUBLIC KEY BLOCK") {
                graph.error("apt repository \(name): the key is not an armored PGP key", at: location)
            }
            keyValue = ["armored": .string(text)]
        case .url(let url): keyValue = ["url": .string(url)]
        case nil: break
        }
        addItem(
            kind: "apt_repository", name: name, type: HostTypes.aptRepository,
            attributes: [
                "name": .string(name), "source": .string(sourceLine), "list": .string(listPath), "keyring": .string(keyring),
                "key": keyValue,
            ],
            host: host, location: location, into: &graph)
    }
}
