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

    public var description: String { "\(kind).\(name)" }

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
        try container.encode(description)
    }
}
