/// Where in the user's Swift a declaration was written (`#fileID`, `#line`, `#column` of its call).
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var fileID: String
    public var line: Int
    public var column: Int

    public init(fileID: String, line: Int, column: Int) {
        self.fileID = fileID
        self.line = line
        self.column = column
    }

    /// For values made by the engine itself rather than by a user's declaration.
    public static let unknown = SourceLocation(fileID: "<unknown>", line: 0, column: 0)

    public var description: String { "\(fileID):\(line):\(column)" }
}
