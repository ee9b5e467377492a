import HomelabCore

/// A block of lines in a file between marker comments (Ansible's `blockinfile`): replaced in
/// place when the markers exist, appended otherwise, removed with its markers when the item goes.
public struct Block: WatchableContent, HostItemDeclaration {
    public var settings: BlockAttributes
    public var location: SourceLocation

    public init(
        _ path: String, name: String, content: String, comment: String = "#",
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        settings = BlockAttributes(host: "", path: path, name: name, content: content, comment: comment)
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public var watchedPath: String { settings.path }
    public var watchDigest: String { ContentDigest.sha256("\(settings.name)\n\(settings.content)") }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        let (path, name) = (settings.path, settings.name)
        if !path.hasPrefix("/") { graph.error("block \(name) in '\(path)': the path must be absolute", at: location) }
        if name.isEmpty || name.contains("\n") { graph.error("block in \(path): the name must be one non-empty line", at: location) }
        // Whole lines: the last one ends in a line break too.
        var attributes = settings
        if !attributes.content.hasSuffix("\n") { attributes.content += "\n" }
        addItem(
            kind: "block", name: "\(path):\(name)", type: HostTypes.block, attributes: attributes, host: host, location: location,
            into: &graph)
    }
}

/// What a ``Block`` compiles to and ``BlockItem`` reads back.
public struct BlockAttributes: HostItemAttributes {
    public var host: String
    public var path: String
    public var name: String
    /// Whole lines, each ending in a line break.
    public var content: String
    /// The comment leader of the file's format.
    public var comment: String

    /// The names the resource type's rules use, checked by the compiler.
    enum CodingKeys: String, CodingKey { case host, path, name, content, comment }
}
