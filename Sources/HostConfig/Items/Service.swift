import HomelabCore

/// A systemd service: enabled at boot and running (or not), and restarted when a watched file
/// changes, like an Ansible handler.
public struct Service: HostItemDeclaration {
    public var settings: ServiceAttributes
    /// Paths written by earlier `File` or `Line` items of this host; a change to what they
    /// write restarts the service.
    public var watching: [String]
    public var location: SourceLocation

    public init(
        _ name: String, enabled: Bool = true, running: Bool? = true, watching: [String] = [],
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        settings = ServiceAttributes(host: "", name: name, enabled: enabled, running: running, watched: nil)
        self.watching = watching
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        var attributes = settings
        attributes.watched = host.digest(watching: watching, by: "service \(settings.name)", at: location, into: &graph)
        addItem(
            kind: "service", name: settings.name, type: HostTypes.service, attributes: attributes, host: host, location: location,
            into: &graph)
    }
}

/// What a ``Service`` compiles to and ``ServiceItem`` reads back.
public struct ServiceAttributes: HostItemAttributes {
    public var host: String
    public var name: String
    public var enabled: Bool
    /// Running or stopped; `nil` leaves it alone and is not compared (kubelet before `kubeadm init`).
    public var running: Bool?
    /// A digest of the watched files (filled in at compile): when it changes, the service restarts.
    public var watched: String?

    /// The names the resource type's rules use, checked by the compiler.
    enum CodingKeys: String, CodingKey { case host, name, enabled, running, watched }
}
