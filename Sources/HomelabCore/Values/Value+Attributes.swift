/// Reading and adjusting a resource's attributes, as every provider does.
extension Value {
    /// A string member, or an error naming the missing attribute.
    public func requireString(_ key: String) throws -> String {
        guard let value = self[key]?.stringValue else { throw ProviderError.failed("attribute '\(key)' is missing") }
        return value
    }

    /// An integer member, or an error naming the missing attribute.
    public func requireInt(_ key: String) throws -> Int {
        guard let value = self[key]?.intValue else { throw ProviderError.failed("attribute '\(key)' is missing") }
        return value
    }

    /// A copy with one member set.
    public func with(_ key: String, _ value: Value) -> Value { replacing([key: value]) }

    /// A copy with these members set (others kept).
    public func replacing(_ members: [String: Value]) -> Value {
        .object((objectValue ?? [:]).merging(members) { _, new in new })
    }
}
