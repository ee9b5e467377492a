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

    public var keyring: String { Self.keyring(name) }
    public var listPath: String { Self.listPath(name) }

    /// Where the repository named `name` keeps its key and its list file.
    public static func keyring(_ name: String) -> String { "/etc/apt/keyrings/\(name).asc" }
    public static func listPath(_ name: String) -> String { "/etc/apt/sources.list.d/\(name).list" }

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
        if case .armored(let text) = key, !text.contains("BEGIN PGP PUBLIC KEY BLOCK") {
            graph.error("apt repository \(name): the key is not an armored PGP key", at: location)
        }
        addItem(
            kind: "apt_repository", name: name, type: HostTypes.aptRepository,
            attributes: AptRepositoryAttributes(
                host: "", name: name, source: sourceLine, list: listPath, keyring: keyring, key: key.map(AptKeyState.init)),
            host: host, location: location, into: &graph)
    }
}

/// What an ``AptRepository`` compiles to and ``AptRepositoryItem`` reads back.
public struct AptRepositoryAttributes: HostItemAttributes {
    public var host: String
    public var name: String
    /// The line in the list file.
    public var source: String
    public var list: String
    public var keyring: String
    public var key: AptKeyState?

    /// The names the resource type's rules use, checked by the compiler.
    enum CodingKeys: String, CodingKey { case host, name, source, list, keyring, key }
}

/// The signing key as declared, or as found on the host: `{"armored": …}`, `{"url": …}`, or
/// `"(missing)"` when the keyring file is gone.
public enum AptKeyState: Codable, Sendable, Equatable {
    case declared(AptKey)
    case missing

    init(_ key: AptKey) { self = .declared(key) }

    private enum CodingKeys: String, CodingKey { case armored, url }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self), text == "(missing)" {
            self = .missing
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let armored = try container.decodeIfPresent(String.self, forKey: .armored) {
            self = .declared(.armored(armored))
        } else {
            self = .declared(.url(try container.decode(String.self, forKey: .url)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .missing:
            var container = encoder.singleValueContainer()
            try container.encode("(missing)")
        case .declared(.armored(let text)):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .armored)
        case .declared(.url(let url)):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(url, forKey: .url)
        }
    }
}
