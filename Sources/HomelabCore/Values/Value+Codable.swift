/// Plain JSON coding. `unknown` and `sensitive` have no JSON form of their own: callers strip them
/// first (``Value/redacted()`` for plans, ``Value/extractingSensitivePaths()`` for state), and an
/// encoder that meets one anyway writes a marker rather than the secret.
extension Value: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let int = try? container.decode(Int.self) {
            self = .int(int)
        } else if let double = try? container.decode(Double.self) {
            self = .double(double)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([Value].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: Value].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .int(let int): try container.encode(int)
        case .double(let double): try container.encode(double)
        case .string(let string): try container.encode(string)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        case .unknown: try container.encode(Value.unknownMarker)
        case .sensitive: try container.encode(Value.sensitiveMarker)
        }
    }

    /// What an encoder writes in place of a sensitive value.
    public static let sensitiveMarker = "(sensitive value)"
    /// What an encoder writes in place of an unknown value.
    public static let unknownMarker = "(known after apply)"
}
