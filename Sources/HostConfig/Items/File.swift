import HomelabCore

/// A file with exact content, mode and owner (drift is detected by hash).
public struct File: WatchableContent, HostItemDeclaration {
    public var settings: FileAttributes
    public var location: SourceLocation

    public init(
        _ path: String, content: String, mode: String = "0644", owner: String = "root",
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        settings = FileAttributes(host: "", path: path, content: content, mode: mode, owner: owner)
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        let (path, mode) = (settings.path, settings.mode)
        if !path.hasPrefix("/") { graph.error("file path '\(path)' must be absolute", at: location) }
        if mode.count != 4 || !mode.allSatisfy({ ("0"..."7").contains($0) }) {
            graph.error("file \(path): mode '\(mode)' must be four octal digits such as 0644", at: location)
        }
        addItem(kind: "file", name: path, type: HostTypes.file, attributes: settings, host: host, location: location, into: &graph)
    }

    public var watchedPath: String { settings.path }
    public var watchDigest: String { ContentDigest.sha256("\(settings.mode) \(settings.owner)\n\(settings.content)") }
}

/// What a ``File`` compiles to and ``FileItem`` reads back.
public struct FileAttributes: HostItemAttributes {
    public var host: String
    public var path: String
    public var content: String
    /// Four octal digits, such as `0644`.
    public var mode: String
    public var owner: String

    /// The names the resource type's rules use, checked by the compiler.
    enum CodingKeys: String, CodingKey { case host, path, content, mode, owner }
}
