/// One problem found in a description, pointing at the user's Swift line.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    public var message: String
    public var location: SourceLocation
    /// The resource the problem is about, when there is one.
    public var address: ResourceAddress?
    /// Further lines, each with its own location (for example every member of a cycle).
    public var notes: [Note]

    public struct Note: Sendable, Hashable, Codable {
        public var message: String
        public var location: SourceLocation
        public init(_ message: String, at location: SourceLocation) {
            self.message = message
            self.location = location
        }
    }

    public init(
        _ severity: Severity = .error,
        _ message: String,
        at location: SourceLocation,
        address: ResourceAddress? = nil,
        notes: [Note] = []
    ) {
        self.severity = severity
        self.message = message
        self.location = location
        self.address = address
        self.notes = notes
    }

    public static func error(
        _ message: String,
        at location: SourceLocation,
        address: ResourceAddress? = nil,
        notes: [Note] = []
    ) -> Diagnostic {
        Diagnostic(.error, message, at: location, address: address, notes: notes)
    }

    /// Compiler-style: `Homelab/Lab.swift:12:5: error: ...`.
    public var description: String {
        var text = "\(location): \(severity.rawValue): \(message)"
        for note in notes { text += "\n\(note.location): note: \(note.message)" }
        return text
    }
}

/// Every problem found in one pass. Thrown when any of them is an error.
public struct Diagnostics: Error, Sendable, CustomStringConvertible, Sequence {
    public private(set) var items: [Diagnostic] = []

    public init(_ items: [Diagnostic] = []) { self.items = items }

    public mutating func append(_ diagnostic: Diagnostic) { items.append(diagnostic) }
    public mutating func append(contentsOf other: Diagnostics) { items.append(contentsOf: other.items) }

    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { items.filter { $0.severity == .warning } }
    public func makeIterator() -> IndexingIterator<[Diagnostic]> { items.makeIterator() }

    public var description: String {
        let errorCount = errors.count
        let summary = "\(errorCount) error\(errorCount == 1 ? "" : "s") in the description"
        return (items.map(\.description) + [summary]).joined(separator: "\n")
    }
}
