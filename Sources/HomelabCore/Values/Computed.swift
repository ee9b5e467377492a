/// An attribute the server decides (a MAC address, a device's IOMMU group): unknown in a plan
/// until apply tells it, then known.
public enum Computed<Wrapped: Codable & Sendable & Equatable>: Codable, Sendable, Equatable, AttributeValueConvertible {
    case known(Wrapped)
    case unknown

    public var value: Wrapped? {
        if case .known(let value) = self { return value }
        return nil
    }

    public var attributeValue: Value {
        get throws {
            switch self {
            case .known(let value): return try AttributeEncoder().encode(value)
            case .unknown: return .unknown
            }
        }
    }

    public init(attributeValue: Value, codingPath: [any CodingKey]) throws {
        self =
            attributeValue == .unknown
            ? .unknown : .known(try AttributeDecoder.decode(Wrapped.self, from: attributeValue, codingPath: codingPath))
    }

    /// Outside attributes (JSON), `unknown` has no form of its own: it is written as `null`.
    public init(from decoder: any Decoder) throws { self = .known(try Wrapped(from: decoder)) }
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .known(let value): try value.encode(to: encoder)
        case .unknown:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        }
    }
}

/// An attribute that is redacted in every rendering (a password hash, a token): the type says so,
/// and the attribute decoder refuses a sensitive value for any field not typed `Sensitive`.
public struct Sensitive<Wrapped: Codable & Sendable & Equatable>: Codable, Sendable, Equatable, AttributeValueConvertible {
    public var value: Wrapped
    public init(_ value: Wrapped) { self.value = value }

    public var attributeValue: Value { get throws { .sensitive(try AttributeEncoder().encode(value)) } }

    public init(attributeValue: Value, codingPath: [any CodingKey]) throws {
        value = try AttributeDecoder.decode(Wrapped.self, from: attributeValue.unwrappedSensitive, codingPath: codingPath)
    }

    public init(from decoder: any Decoder) throws { value = try Wrapped(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
