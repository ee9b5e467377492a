import HomelabCore

/// A command given as an argument list (never a shell line), with guards.
public struct Command: HostContent {
    public var name: String
    public var arguments: [String]
    /// Skip when this path exists.
    public var creates: String?
    /// Skip when this command (an argument list) succeeds.
    public var unless: [String]?
    /// Run only when this command succeeds.
    public var onlyIf: [String]?
    /// Paths written by earlier `File` or `Line` items of this host: the command runs again when
    /// what they write changes (a handler such as `update-grub` or `udevadm control --reload`).
    public var watching: [String]
    public var location: SourceLocation

    public init(
        _ name: String, _ arguments: [String], creates: String? = nil, unless: [String]? = nil, onlyIf: [String]? = nil,
        watching: [String] = [], fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.arguments = arguments
        self.creates = creates
        self.unless = unless
        self.onlyIf = onlyIf
        self.watching = watching
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        if arguments.isEmpty { graph.error("command \(name) has no arguments", at: location) }
        let watched = host.digest(watching: watching, by: "command \(name)", at: location, into: &graph)
        addItem(
            kind: "command", name: name, type: HostTypes.command,
            attributes: [
                "arguments": .strings(arguments), "creates": creates.map(Value.string) ?? .null,
                "unless": unless.map(Value.strings) ?? .null, "onlyIf": onlyIf.map(Value.strings) ?? .null, "watched": watched,
            ],
            host: host, location: location, into: &graph)
    }
}
