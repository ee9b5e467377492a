import HomelabCore

/// A kernel parameter, set now (`sysctl -w`) and persisted as `key = value` in a file under
/// `/etc/sysctl.d` (the seed keeps its Kubernetes ones in `k8s.conf`).
public struct Sysctl: HostItemDeclaration {
    public var settings: SysctlAttributes
    public var location: SourceLocation

    public init(
        _ key: String, _ value: String, file: String = "/etc/sysctl.d/99-homelabkit.conf",
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        settings = SysctlAttributes(host: "", key: key, value: value, file: file, persisted: true)
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        let key = settings.key
        if key.isEmpty || key.contains(where: { $0 == " " || $0 == "=" || $0 == "/" }) {
            graph.error("sysctl key '\(key)' is malformed", at: location)
        }
        if !settings.file.hasPrefix("/") {
            graph.error("sysctl \(key): the file '\(settings.file)' must be an absolute path", at: location)
        }
        addItem(kind: "sysctl", name: key, type: HostTypes.sysctl, attributes: settings, host: host, location: location, into: &graph)
    }
}

/// What a ``Sysctl`` compiles to and ``SysctlItem`` reads back.
public struct SysctlAttributes: HostItemAttributes {
    public var host: String
    public var key: String
    /// The running value.
    public var value: String
    public var file: String
    /// Whether `key = value` is in the file (always wanted).
    public var persisted: Bool

    /// The names the resource type's rules use, checked by the compiler.
    enum CodingKeys: String, CodingKey { case host, key, value, file, persisted }
}
