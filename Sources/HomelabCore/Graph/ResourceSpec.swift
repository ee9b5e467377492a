/// A reference from one resource to another, kept with the line that made it so a dangling
/// reference can be reported where it was written.
public struct Reference: Sendable, Hashable, Codable {
    public var address: ResourceAddress
    public var location: SourceLocation
    /// What the reference is for, used in messages ("template", "control-plane node", ...).
    public var purpose: String

    public init(_ address: ResourceAddress, at location: SourceLocation, purpose: String = "dependency") {
        self.address = address
        self.location = location
        self.purpose = purpose
    }
}

/// A value that must be unique across the whole description, such as a Proxmox VMID.
public struct UniqueClaim: Sendable, Hashable {
    /// The kind of value, used in the message ("VMID", "IP address").
    public var namespace: String
    public var value: String

    public init(_ namespace: String, _ value: String) {
        self.namespace = namespace
        self.value = value
    }
}

/// One resource as a declaration compiles it, before validation.
public struct ResourceSpec: Sendable {
    public var address: ResourceAddress
    public var type: ResourceType
    /// The desired attributes: an object value.
    public var attributes: Value
    public var location: SourceLocation
    /// Resources this one depends on (nesting, references, explicit `dependsOn`).
    public var references: [Reference]
    /// When any of these is created, replaced or updated, this resource is replaced too.
    public var replaceTriggeredBy: [Reference]
    /// Values that must be unique across the description.
    public var claims: [UniqueClaim]
    /// The provider configuration this resource uses (a key into the graph's configurations).
    public var providerConfiguration: String?

    public init(
        address: ResourceAddress,
        type: ResourceType,
        attributes: [String: Value],
        location: SourceLocation,
        references: [Reference] = [],
        replaceTriggeredBy: [Reference] = [],
        claims: [UniqueClaim] = [],
        providerConfiguration: String? = nil
    ) {
        self.address = address
        self.type = type
        self.attributes = .object(attributes)
        self.location = location
        self.references = references
        self.replaceTriggeredBy = replaceTriggeredBy
        self.claims = claims
        self.providerConfiguration = providerConfiguration
    }

    /// A resource whose attributes are a typed struct (see ``ResourceHandler``).
    public init(
        address: ResourceAddress,
        type: ResourceType,
        attributes: some Encodable & Sendable,
        location: SourceLocation,
        references: [Reference] = [],
        replaceTriggeredBy: [Reference] = [],
        claims: [UniqueClaim] = [],
        providerConfiguration: String? = nil
    ) {
        // Encoding throws only for a custom `AttributeValueConvertible` that throws; none does, and
        // if one ever did the plan would show every attribute removed, never a silent success.
        let members = (try? AttributeEncoder().members(attributes)) ?? [:]
        self.init(
            address: address, type: type, attributes: members, location: location, references: references,
            replaceTriggeredBy: replaceTriggeredBy, claims: claims, providerConfiguration: providerConfiguration)
    }
}

/// A named value reported after apply, like Terraform's outputs.
public struct OutputSpec: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case value(Value)
        /// An attribute of a resource, read from state after apply.
        case attribute(ResourceAddress, ValuePath)
    }
    public var name: String
    public var source: Source
    public var sensitive: Bool
    public var location: SourceLocation

    public init(name: String, source: Source, sensitive: Bool, location: SourceLocation) {
        self.name = name
        self.source = source
        self.sensitive = sensitive
        self.location = location
    }
}
