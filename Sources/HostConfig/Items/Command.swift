import HomelabCore

/// A command given as an argument list (never a shell line), with guards.
public struct Command: HostItemDeclaration {
    public var name: String
    public var settings: CommandAttributes
    /// Paths written by earlier `File` or `Line` items of this host: the command runs again when
    /// what they write changes (a handler such as `update-grub` or `udevadm control --reload`).
    public var watching: [String]
    public var location: SourceLocation

    public init(
        _ name: String, _ arguments: [String], creates: String? = nil, unless: [String]? = nil, onlyIf: [String]? = nil,
        watching: [String] = [], fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.name = name
        settings = CommandAttributes(host: "", arguments: arguments, creates: creates, unless: unless, onlyIf: onlyIf, watched: nil)
        self.watching = watching
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        if settings.arguments.isEmpty { graph.error("command \(name) has no arguments", at: location) }
        var attributes = settings
        attributes.watched = host.digest(watching: watching, by: "command \(name)", at: location, into: &graph)
        addItem(kind: "command", name: name, type: HostTypes.command, attributes: attributes, host: host, location: location, into: &graph)
    }
}

/// What a ``Command`` compiles to.
public struct CommandAttributes: HostItemAttributes {
    public var host: String
    public var arguments: [String]
    /// Skip when this path exists.
    public var creates: String?
    /// Skip when this command (an argument list) succeeds.
    public var unless: [String]?
    /// Run only when this command succeeds.
    public var onlyIf: [String]?
    /// A digest of the watched files (filled in at compile): when it changes, the command runs again.
    public var watched: String?

    /// Whether a guard decides, on every plan, if the command has to run.
    var isGuarded: Bool { creates != nil || unless != nil || onlyIf != nil }
}
