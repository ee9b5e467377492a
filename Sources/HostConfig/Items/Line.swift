import Foundation
import HomelabCore

/// One line in a file (Ansible's `lineinfile`): the first line matching `matching` (a regular
/// expression) is replaced by `line`, or `line` is appended when none matches. Without
/// `matching`, the exact line is looked for.
public struct Line: WatchableContent, HostItemDeclaration {
    public var settings: LineAttributes
    public var location: SourceLocation

    public init(
        _ path: String, line: String, matching: String? = nil,
        fileID: String = #fileID, line sourceLine: Int = #line, column: Int = #column
    ) {
        settings = LineAttributes(host: "", path: path, line: line, matching: matching)
        location = SourceLocation(fileID: fileID, line: sourceLine, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        let (path, line, matching) = (settings.path, settings.line, settings.matching)
        if !path.hasPrefix("/") { graph.error("line in '\(path)': the path must be absolute", at: location) }
        if line.contains("\n") { graph.error("line in \(path): a line cannot contain a line break", at: location) }
        if let matching, (try? NSRegularExpression(pattern: matching)) == nil {
            graph.error("line in \(path): '\(matching)' is not a valid regular expression", at: location)
        }
        addItem(
            kind: "line", name: "\(path):\(matching ?? line)", type: HostTypes.line, attributes: settings, host: host, location: location,
            into: &graph)
    }

    public var watchedPath: String { settings.path }
    public var watchDigest: String { ContentDigest.sha256("\(settings.matching ?? "")\n\(settings.line)") }
}

/// What a ``Line`` compiles to and ``LineItem`` reads back.
public struct LineAttributes: HostItemAttributes {
    public var host: String
    public var path: String
    public var line: String
    public var matching: String?

    /// The names the resource type's rules use, checked by the compiler.
    enum CodingKeys: String, CodingKey { case host, path, line, matching }
}
