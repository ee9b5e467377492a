/// Reads a typed attribute struct from the ``Value`` in a plan or state. A missing member or
/// `null` is `nil` for an optional. An `unknown` or `sensitive` value fits only a field typed to
/// hold one (``Computed``, ``Sensitive``, ``Value``): a handler can never lose a secret's
/// redaction or mistake a value known after apply for a real one.
public struct AttributeDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: Value) throws -> T {
        try Self.decode(type, from: value, codingPath: [])
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: Value, codingPath: [any CodingKey]) throws -> T {
        if type == Value.self, let value = value as? T { return value }
        if let convertible = type as? any AttributeValueConvertible.Type {
            guard let decoded = try convertible.init(attributeValue: value, codingPath: codingPath) as? T else {
                throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "cannot convert"))
            }
            return decoded
        }
        try refuseSpecial(value, as: type, codingPath: codingPath)
        switch value {
        case .string(let string as T): return string
        case .bool(let bool as T): return bool
        case .int(let int as T): return int
        case .double(let double as T): return double
        case .int(let int) where type == Double.self: if let double = Double(int) as? T { return double }
        default: break
        }
        // Other fixed-width numbers convert exactly; a primitive that did not match is a mismatch
        // (its own `init(from:)` would only ask this decoder again).
        if let integer = type as? any FixedWidthInteger.Type {
            if case .int(let int) = value, let converted = integer.init(exactly: int) as? T { return converted }
        } else if let floating = type as? any BinaryFloatingPoint.Type {
            if case .double(let double) = value, let converted = floating.init(double) as? T { return converted }
        } else if type != String.self && type != Bool.self {
            return try T(from: ValueDecoder(value: value, codingPath: codingPath))
        }
        throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: ""))
    }

    static func refuseSpecial(_ value: Value, as type: Any.Type, codingPath: [any CodingKey]) throws {
        switch value {
        case .unknown:
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "the value is known only after apply"))
        case .sensitive:
            throw DecodingError.typeMismatch(
                type, .init(codingPath: codingPath, debugDescription: "a sensitive value needs a Sensitive field"))
        default: return
        }
    }
}

extension DecodingError {
    /// "attribute 'cores': expected Int" rather than Foundation's nested description.
    public var attributeMessage: String {
        let (context, what): (Context, String) =
            switch self {
            case .typeMismatch(let type, let context): (context, "expected \(type)")
            case .valueNotFound(let type, let context): (context, "missing \(type)")
            case .keyNotFound(let key, let context): (context, "attribute '\(key.stringValue)' is missing")
            case .dataCorrupted(let context): (context, "unreadable")
            @unknown default: (Context(codingPath: [], debugDescription: ""), "unreadable")
            }
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        let detail = context.debugDescription.isEmpty ? "" : " (\(context.debugDescription))"
        return path.isEmpty ? "\(what)\(detail)" : "attribute '\(path.dropFirst())': \(what)\(detail)"
    }
}

private struct ValueDecoder: Decoder {
    let value: Value
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            try AttributeDecoder.refuseSpecial(value, as: [String: Value].self, codingPath: codingPath)
            throw DecodingError.typeMismatch([String: Value].self, .init(codingPath: codingPath, debugDescription: "expected an object"))
        }
        return KeyedDecodingContainer(KeyedValueContainer<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else {
            try AttributeDecoder.refuseSpecial(value, as: [Value].self, codingPath: codingPath)
            throw DecodingError.typeMismatch([Value].self, .init(codingPath: codingPath, debugDescription: "expected a list"))
        }
        return UnkeyedValueContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValueContainer(value: value, codingPath: codingPath) }
}

private struct KeyedValueContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: Value]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.keys.compactMap(Key.init(stringValue:)) }
    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }
    func decodeNil(forKey key: Key) throws -> Bool { (members[key.stringValue] ?? .null) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let member = members[key.stringValue] else {
            if let defaulted = type as? any DefaultedAttribute.Type, let value = defaulted.whenMissing as? T { return value }
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: ""))
        }
        return try AttributeDecoder.decode(type, from: member, codingPath: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try ValueDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { ValueDecoder(value: members["super"] ?? .null, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct UnkeyedValueContainer: UnkeyedDecodingContainer {
    let items: [Value]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [Value], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    private mutating func next() throws -> (Value, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Value.self, .init(codingPath: codingPath, debugDescription: "the list has no more items"))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (item, path) = try next()
        return try AttributeDecoder.decode(type, from: item, codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (item, path) = try next()
        return try ValueDecoder(value: item, codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (item, path) = try next()
        return try ValueDecoder(value: item, codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (item, path) = try next()
        return ValueDecoder(value: item, codingPath: path)
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let value: Value
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try AttributeDecoder.decode(type, from: value, codingPath: codingPath) }
}

/// An attribute that state written before it existed lacks: it decodes as ``whenMissing`` rather
/// than failing, so adding one never breaks a stored state.
public protocol DefaultedAttribute {
    static var whenMissing: Self { get }
}

extension Computed: DefaultedAttribute {
    /// Never recorded: not known yet.
    public static var whenMissing: Computed { .unknown }
}
