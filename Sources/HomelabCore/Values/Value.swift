/// A JSON-like attribute value.
///
/// Two cases go beyond JSON: ``unknown`` marks a value that only the provider can tell after apply,
/// and ``sensitive(_:)`` wraps a subtree that must never be printed (plans, logs, errors).
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object([String: Value])
    /// Known only after apply (for example an ID the server assigns).
    case unknown
    /// A value that is redacted in every rendering.
    indirect case sensitive(Value)

    /// The member at `key` of an object, or `nil`.
    public subscript(key: String) -> Value? {
        if case .object(let members) = self.unwrappedSensitive { return members[key] }
        return nil
    }

    /// The value without a `sensitive` wrapper at the top.
    public var unwrappedSensitive: Value {
        if case .sensitive(let inner) = self { return inner.unwrappedSensitive }
        return self
    }

    public var isSensitive: Bool {
        if case .sensitive = self { return true }
        return false
    }

    /// Whether any part of this value is unknown until apply.
    public var containsUnknown: Bool {
        switch self {
        case .unknown: return true
        case .sensitive(let inner): return inner.containsUnknown
        case .array(let items): return items.contains { $0.containsUnknown }
        case .object(let members): return members.values.contains { $0.containsUnknown }
        default: return false
        }
    }

    /// Whether any part of this value is sensitive.
    public var containsSensitive: Bool {
        switch self {
        case .sensitive: return true
        case .array(let items): return items.contains { $0.containsSensitive }
        case .object(let members): return members.values.contains { $0.containsSensitive }
        default: return false
        }
    }

    public var stringValue: String? {
        if case .string(let string) = unwrappedSensitive { return string }
        return nil
    }

    public var intValue: Int? {
        if case .int(let int) = unwrappedSensitive { return int }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let bool) = unwrappedSensitive { return bool }
        return nil
    }

    public var arrayValue: [Value]? {
        if case .array(let items) = unwrappedSensitive { return items }
        return nil
    }

    public var objectValue: [String: Value]? {
        if case .object(let members) = unwrappedSensitive { return members }
        return nil
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension Value {
    /// Builds a string array value.
    public static func strings(_ strings: [String]) -> Value { .array(strings.map(Value.string)) }
}

extension Value {
    /// A copy with `value` at `path` (object keys), creating objects on the way.
    public func setting(_ path: [String], _ value: Value) -> Value {
        guard let first = path.first else { return value }
        var members = objectValue ?? [:]
        members[first] = (members[first] ?? .object([:])).setting(Array(path.dropFirst()), value)
        return .object(members)
    }
}
