/// One attribute that differs between the real object and the description.
public struct AttributeDiff: Sendable, Hashable, Codable {
    public var path: ValuePath
    public var before: Value?
    public var after: Value?
    /// This difference cannot be applied in place.
    public var forcesReplacement: Bool

    public init(path: ValuePath, before: Value?, after: Value?, forcesReplacement: Bool) {
        self.path = path
        self.before = before
        self.after = after
        self.forcesReplacement = forcesReplacement
    }
}

/// The planned change of one resource.
///
/// Encoding a change (in a saved or JSON plan) writes sensitive values as a marker: a plan file
/// never holds a secret.
public struct ResourceChange: Sendable, Hashable, Codable {
    public var address: ResourceAddress
    public var type: String
    public var provider: String
    public var action: Action
    /// The object before the change (refreshed), or `nil` when it does not exist.
    public var before: Value?
    /// The desired object, or `nil` for a delete.
    public var after: Value?
    public var diffs: [AttributeDiff]
    /// Why the change is what it is, when not obvious ("replacement requested", "triggered by data.x").
    public var reasons: [String]
    public var dependencies: [ResourceAddress]
    /// Where the resource is declared; `nil` for a resource that is only in state.
    public var location: SourceLocation?

    public init(
        address: ResourceAddress,
        type: String,
        provider: String,
        action: Action,
        before: Value?,
        after: Value?,
        diffs: [AttributeDiff] = [],
        reasons: [String] = [],
        dependencies: [ResourceAddress] = [],
        location: SourceLocation? = nil
    ) {
        self.address = address
        self.type = type
        self.provider = provider
        self.action = action
        self.before = before
        self.after = after
        self.diffs = diffs
        self.reasons = reasons
        self.dependencies = dependencies
        self.location = location
    }
}

/// A difference between state and the real object found by refresh (a change made outside HomelabKit).
public struct ResourceDrift: Sendable, Hashable, Codable {
    public var address: ResourceAddress
    /// `true` when the object no longer exists.
    public var deleted: Bool
    public var diffs: [AttributeDiff]
}

/// An output's planned value.
public struct OutputChange: Sendable, Hashable, Codable {
    public var name: String
    public var action: Action
    public var before: Value?
    public var after: Value?
    public var sensitive: Bool
}
