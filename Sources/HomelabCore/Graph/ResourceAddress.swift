/// The stable identity of a resource: a kind and a name chosen by the user, such as
/// `vm.homelabk8s01-node-1` or `app.homelabk8s01/cert-manager`.
///
/// Addresses never depend on where a declaration sits in the builder tree, so moving a VM into
/// another group or helper property never recreates it.
public struct ResourceAddress: Sendable, Hashable, Comparable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var kind: String
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }

    /// Parses `kind.name`; the kind is everything before the first dot.
    public init?(parsing text: String) {
        guard let dot = text.firstIndex(of: "."), dot != text.startIndex, text.index(after: dot) != text.endIndex
        else { return nil }
        self.kind = String(text[..<dot])
        self.name = String(text[text.index(after: dot)...])
    }

    public init(stringLiteral value: String) {
        self = ResourceAddress(parsing: value) ?? ResourceAddress(kind: "", name: value)
    }

    /// For output: control characters (a newline, a terminal escape) are written as `\u{…}`, so a
    /// name can never forge lines in a plan or `state list`. Validation refuses such names anyway.
    public var description: String { Self.printable("\(kind).\(name)") }

    /// `text` with every control character escaped.
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) { result += "\\u{\(String(scalar.value, radix: 16))}" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }

    /// Control characters, and the bidirectional overrides that reorder what a terminal shows.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || (0x202A...0x202E).contains(scalar.value)
            || (0x2066...0x2069).contains(scalar.value)
    }

    /// Whether the address prints as it is.
    public var isPrintable: Bool { !"\(kind).\(name)".unicodeScalars.contains(where: Self.isControl) }

    public static func < (lhs: ResourceAddress, rhs: ResourceAddress) -> Bool {
        (lhs.kind, lhs.name) < (rhs.kind, rhs.name)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = ResourceAddress(parsing: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a resource address (kind.name)")
            )
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode("\(kind).\(name)")
    }
}
