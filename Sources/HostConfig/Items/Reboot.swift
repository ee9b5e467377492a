import HomelabCore

/// Reboots the host and waits until it is back (a new boot id over a new SSH connection), when
/// first applied and whenever a watched file changes, like the seed's pve_iommu "reboot if
/// changed".
public struct Reboot: HostContent {
    public var name: String
    public var watching: [String]
    public var timeout: Duration
    public var location: SourceLocation

    public init(
        _ name: String, watching: [String] = [], timeout: Duration = .seconds(300),
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.watching = watching
        self.timeout = timeout
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        let watched = host.digest(watching: watching, by: "reboot \(name)", at: location, into: &graph)
        if timeout <= .zero { graph.error("reboot \(name): the timeout must be positive", at: location) }
        addItem(
            kind: "reboot", name: name, type: HostTypes.reboot,
            attributes: RebootAttributes(host: "", watched: watched, timeoutSeconds: Int(timeout.components.seconds)),
            host: host, location: location, into: &graph)
    }
}

/// What a ``Reboot`` compiles to.
public struct RebootAttributes: HostItemAttributes {
    public var host: String
    /// A digest of the watched files: when it changes, the host reboots again.
    public var watched: String?
    public var timeoutSeconds: Int
}
