/// Turns a typed attribute struct into the ``Value`` the engine diffs and stores, so each
/// attribute is named once: by its property. An optional that is `nil` is written as `null`
/// (not left out), so a cleared attribute shows as a change. ``Value`` members pass through
/// untouched, and ``AttributeValueConvertible`` types (``Computed``, ``Sensitive``) write their own
/// value, which is how `unknown` and `sensitive` survive the trip.
public struct AttributeEncoder: Sendable {
    public init() {}

    public func encode(_ attributes: some Encodable) throws -> Value {
        let slot = EncodingSlot()
        try slot.store(attributes, codingPath: [])
        return slot.resolved
    }

    /// The members of an attribute struct, as ``ResourceSpec`` takes them.
    public func members(_ attributes: some Encodable) throws -> [String: Value] {
        guard case .object(let members) = try encode(attributes) else {
            throw EncodingError.invalidValue(attributes, .init(codingPath: [], debugDescription: "attributes must be a struct"))
        }
        return members
    }
}

/// A type that is its own ``Value``, bypassing `Codable`'s shapes.
public protocol AttributeValueConvertible {
    var attributeValue: Value { get throws }
    init(attributeValue: Value, codingPath: [any CodingKey]) throws
}

/// One value being encoded: a leaf, or an object or array whose members are still being written.
private final class EncodingSlot {
    enum Content {
        case leaf(Value)
        case object([String: EncodingSlot])
        case array([EncodingSlot])
    }
    var content = Content.leaf(.null)

    var resolved: Value {
        switch content {
        case .leaf(let value): return value
        case .object(let members): return .object(members.mapValues(\.resolved))
        case .array(let items): return .array(items.map(\.resolved))
        }
    }

    func store(_ value: some Encodable, codingPath: [any CodingKey]) throws {
        switch value {
        case let value as Value: content = .leaf(value)
        case let value as any AttributeValueConvertible: content = .leaf(try value.attributeValue)
        case let value as String: content = .leaf(.string(value))
        case let value as Bool: content = .leaf(.bool(value))
        case let value as Int: content = .leaf(.int(value))
        case let value as Double: content = .leaf(.double(value))
        default: try value.encode(to: SlotEncoder(slot: self, codingPath: codingPath))
        }
    }

    func member(_ key: String) -> EncodingSlot {
        var members: [String: EncodingSlot] = [:]
        if case .object(let existing) = content { members = existing }
        if let slot = members[key] { return slot }
        let slot = EncodingSlot()
        members[key] = slot
        content = .object(members)
        return slot
    }

    func appended() -> EncodingSlot {
        var items: [EncodingSlot] = []
        if case .array(let existing) = content { items = existing }
        let slot = EncodingSlot()
        items.append(slot)
        content = .array(items)
        return slot
    }

    func becomeObject() { if case .leaf = content { content = .object([:]) } }
    func becomeArray() { if case .leaf = content { content = .array([]) } }
}

private struct SlotEncoder: Encoder {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        slot.becomeObject()
        return KeyedEncodingContainer(KeyedSlotContainer<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        slot.becomeArray()
        return UnkeyedSlotContainer(slot: slot, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleSlotContainer(slot: slot, codingPath: codingPath) }
}

private struct KeyedSlotContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { slot.member(key.stringValue).content = .leaf(.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try slot.member(key.stringValue).store(value, codingPath: codingPath + [key])
    }
    // Synthesized conformances skip nil optionals; attributes keep them as `null`.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let member = slot.member(key.stringValue)
        member.becomeObject()
        return KeyedEncodingContainer(KeyedSlotContainer<NestedKey>(slot: member, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let member = slot.member(key.stringValue)
        member.becomeArray()
        return UnkeyedSlotContainer(slot: member, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { SlotEncoder(slot: slot.member("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        SlotEncoder(slot: slot.member(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedSlotContainer: UnkeyedEncodingContainer {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let items) = slot.content { return items.count }
        return 0
    }

    mutating func encodeNil() throws { slot.appended().content = .leaf(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try slot.appended().store(value, codingPath: codingPath) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let item = slot.appended()
        item.becomeObject()
        return KeyedEncodingContainer(KeyedSlotContainer<NestedKey>(slot: item, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let item = slot.appended()
        item.becomeArray()
        return UnkeyedSlotContainer(slot: item, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder { SlotEncoder(slot: slot.appended(), codingPath: codingPath) }
}

private struct SingleSlotContainer: SingleValueEncodingContainer {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { slot.content = .leaf(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try slot.store(value, codingPath: codingPath) }
}
