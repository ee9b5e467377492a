import HomelabCore

/// Adds one host item as a resource named `<kind>.<host>/<name>`.
func addItem(
    kind: String,
    name: String,
    type: ResourceType,
    attributes: [String: Value],
    host: HostContext,
    location: SourceLocation,
    into graph: inout GraphBuilder
) {
    let address = ResourceAddress(kind: kind, name: "\(host.name)/\(name)")
    if name.isEmpty { graph.error("\(kind) on \(host.name) needs a name", at: location, address: address) }
    var attributes = attributes
    attributes["host"] = .string(host.name)
    graph.add(
        ResourceSpec(
            address: address,
            type: type,
            attributes: attributes,
            location: location,
            references: host.references(at: location),
            providerConfiguration: host.configurationKey
        )
    )
}

/// A file with exact content, mode and owner (drift is detected by hash).
public struct File: HostContent {
    public var path: String
    public var content: String
    public var mode: String
    public var owner: String
    public var location: SourceLocation

    public init(
        _ path: String, content: String, mode: String = "0644", owner: String = "root",
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.path = path
        self.content = content
        self.mode = mode
        self.owner = owner
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        if !path.hasPrefix("/") { graph.error("file path '\(path)' must be absolute", at: location) }
        if mode.count != 4 || !mode.allSatisfy({ ("0"..."7").contains($0) }) {
            graph.error("file \(path): mode '\(mode)' must be four octal digits such as 0644", at: location)
        }
        addItem(
            kind: "file", name: path, type: HostTypes.file,
            attributes: ["path": .string(path), "content": .string(content), "mode": .string(mode), "owner": .string(owner)],
            host: host, location: location, into: &graph)
    }
}

/// A Debian package, optionally pinned to a version and held.
public struct Package: HostContent {
    public var name: String
    public var version: String?
    public var hold: Bool
    public var location: SourceLocation

    public init(
        _ name: String, version: String? = nil, hold: Bool = false,
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.version = version
        self.hold = hold
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        addItem(
            kind: "package", name: name, type: HostTypes.package,
            attributes: ["name": .string(name), "version": version.map(Value.string) ?? .null, "hold": .bool(hold)],
            host: host, location: location, into: &graph)
    }
}

/// A kernel parameter, set now and persisted in `/etc/sysctl.d`.
public struct Sysctl: HostContent {
    public var key: String
    public var value: String
    public var location: SourceLocation

    public init(_ key: String, _ value: String, fileID: String = #fileID, line: Int = #line, column: Int = #column) {
        self.key = key
        self.value = value
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        if key.contains(where: { $0 == " " || $0 == "=" }) { graph.error("sysctl key '\(key)' is malformed", at: location) }
        addItem(
            kind: "sysctl", name: key, type: HostTypes.sysctl,
            attributes: ["key": .string(key), "value": .string(value)], host: host, location: location, into: &graph)
    }
}

/// A kernel module, loaded now and persisted in `/etc/modules-load.d`.
public struct KernelModule: HostContent {
    public var name: String
    public var location: SourceLocation

    public init(_ name: String, fileID: String = #fileID, line: Int = #line, column: Int = #column) {
        self.name = name
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        addItem(
            kind: "module", name: name, type: HostTypes.kernelModule, attributes: ["name": .string(name)],
            host: host, location: location, into: &graph)
    }
}

/// A systemd service's wanted state.
public struct Service: HostContent {
    public var name: String
    public var enabled: Bool
    public var running: Bool
    public var location: SourceLocation

    public init(
        _ name: String, enabled: Bool = true, running: Bool = true,
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.enabled = enabled
        self.running = running
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        addItem(
            kind: "service", name: name, type: HostTypes.service,
            attributes: ["name": .string(name), "enabled": .bool(enabled), "running": .bool(running)],
            host: host, location: location, into: &graph)
    }
}

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
    public var location: SourceLocation

    public init(
        _ name: String, _ arguments: [String], creates: String? = nil, unless: [String]? = nil, onlyIf: [String]? = nil,
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.arguments = arguments
        self.creates = creates
        self.unless = unless
        self.onlyIf = onlyIf
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        if arguments.isEmpty { graph.error("command \(name) has no arguments", at: location) }
        addItem(
            kind: "command", name: name, type: HostTypes.command,
            attributes: [
                "arguments": .strings(arguments), "creates": creates.map(Value.string) ?? .null,
                "unless": unless.map(Value.strings) ?? .null, "onlyIf": onlyIf.map(Value.strings) ?? .null,
            ],
            host: host, location: location, into: &graph)
    }
}
