import HomelabCore

/// A block of lines in a file between marker comments (Ansible's `blockinfile`): replaced in
/// place when the markers exist, appended otherwise, removed with its markers when the item goes.
public struct Block: WatchableContent {
    public var path: String
    public var name: String
    public var content: String
    /// The comment leader of the file's format.
    public var comment: String
    public var location: SourceLocation

    public init(
        _ path: String, name: String, content: String, comment: String = "#",
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.path = path
        self.name = name
        self.content = content
        self.comment = comment
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public var watchedPath: String { path }
    public var watchDigest: String { ContentDigest.sha256("\(name)\n\(content)") }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        if !path.hasPrefix("/") { graph.error("block \(name) in '\(path)': the path must be absolute", at: location) }
        if name.isEmpty || name.contains("\n") { graph.error("block in \(path): the name must be one non-empty line", at: location) }
        addItem(
            kind: "block", name: "\(path):\(name)", type: HostTypes.block,
            attributes: [
                "path": .string(path), "name": .string(name), "content": .string(content.hasSuffix("\n") ? content : content + "\n"),
                "comment": .string(comment),
            ],
            host: host, location: location, into: &graph)
    }
}
