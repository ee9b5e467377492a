import HomelabCore

/// A systemd service: enabled at boot and running (or not), and restarted when a watched file
/// changes, like an Ansible handler.
public struct Service: HostContent {
    public var name: String
    public var enabled: Bool
    /// Running or stopped; nil leaves it alone (kubelet before `kubeadm init`).
    public var running: Bool?
    /// Paths written by earlier `File` or `Line` items of this host; a change to what they
    /// write restarts the service.
    public var watching: [String]
    public var location: SourceLocation

    public init(
        _ name: String, enabled: Bool = true, running: Bool? = true, watching: [String] = [],
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.enabled = enabled
        self.running = running
        self.watching = watching
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        let watched = host.digest(watching: watching, by: "service \(name)", at: location, into: &graph)
        addItem(
            kind: "service", name: name, type: HostTypes.service,
            attributes: ServiceAttributes(host: "", name: name, enabled: enabled, running: running, watched: watched),
            host: host, location: location, into: &graph)
    }
}

/// What a ``Service`` compiles to and ``ServiceItem`` reads back.
public struct ServiceAttributes: HostItemAttributes {
    public var host: String
    public var name: String
    public var enabled: Bool
    /// `nil`: left alone, not compared.
    public var running: Bool?
    /// A digest of the watched files: when it changes, the service restarts.
    public var watched: String?

    /// The names the resource type's rules use, checked by the compiler.
    enum CodingKeys: String, CodingKey { case host, name, enabled, running, watched }
}
