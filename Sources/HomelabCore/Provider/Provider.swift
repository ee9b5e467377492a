/// The operations of one provider (Proxmox, SSH hosts, Kubernetes, ...).
///
/// Every method takes one request struct and returns one response struct, so new fields never
/// break callers. The engine never knows what a VM is: it only passes attribute values through.
/// Operations that are not built yet must throw ``ProviderError/notAvailable(provider:operation:issue:)``
/// rather than pretend to succeed.
public protocol Provider: Sendable {
    /// The name resource types use in ``ResourceType/provider``.
    var name: String { get }

    /// Reads the real object. Returns `nil` attributes when it no longer exists.
    func read(_ request: ReadRequest) async throws -> ReadResponse
    func create(_ request: CreateRequest) async throws -> CreateResponse
    func update(_ request: UpdateRequest) async throws -> UpdateResponse
    func delete(_ request: DeleteRequest) async throws -> DeleteResponse
    /// Reads an existing object by the provider's own identifier, to bring it under management.
    func importResource(_ request: ImportRequest) async throws -> ImportResponse
    /// Checks a provider configuration before anything changes (secrets resolvable and well
    /// formed, files readable), so `apply` fails before its prompt rather than on every resource.
    func checkConfiguration(_ request: CheckConfigurationRequest) async throws
    /// Why an in-place update from the real object to the description cannot be made (a disk
    /// PVE cannot shrink), or `nil`. Asked at plan time, so the plan fails instead of the apply.
    func refusal(of update: PlannedUpdate) -> String?
    /// What the plan should say about an update (or an unchanged object), such as "restart
    /// required: cores take effect at the next start".
    func remarks(on update: PlannedUpdate) -> [String]
}

extension Provider {
    /// Nothing to check by default.
    public func checkConfiguration(_ request: CheckConfigurationRequest) async throws {}
    /// Every update can be attempted by default.
    public func refusal(of update: PlannedUpdate) -> String? { nil }
    public func remarks(on update: PlannedUpdate) -> [String] { [] }
}

/// A planned in-place update (or an unchanged object), for ``Provider/refusal(of:)`` and
/// ``Provider/remarks(on:)``.
public struct PlannedUpdate: Sendable {
    public var resource: ResourceContext
    /// The real object, as refresh read it.
    public var prior: Value
    public var desired: Value
    public init(resource: ResourceContext, prior: Value, desired: Value) {
        self.resource = resource
        self.prior = prior
        self.desired = desired
    }
}

public struct CheckConfigurationRequest: Sendable {
    /// The configuration's key, such as `proxmox@https://192.168.10.2:8006`.
    public var key: String
    public var configuration: Value
    public init(key: String, configuration: Value) {
        self.key = key
        self.configuration = configuration
    }
}

/// What a provider gets to know about the resource it works on.
public struct ResourceContext: Sendable {
    public var address: ResourceAddress
    public var type: ResourceType
    /// The provider configuration the resource uses (endpoint, secret references), if any.
    public var configuration: Value?

    public init(address: ResourceAddress, type: ResourceType, configuration: Value? = nil) {
        self.address = address
        self.type = type
        self.configuration = configuration
    }
}

public struct ReadRequest: Sendable {
    public var resource: ResourceContext
    /// The attributes as last stored in state, or the desired ones when adopting an interrupted create.
    public var attributes: Value
    public init(resource: ResourceContext, attributes: Value) {
        self.resource = resource
        self.attributes = attributes
    }
}

public struct ReadResponse: Sendable {
    /// The real attributes, or `nil` when the object is gone.
    public var attributes: Value?
    public init(attributes: Value?) { self.attributes = attributes }
}

public struct CreateRequest: Sendable {
    public var resource: ResourceContext
    /// The desired attributes; `unknown` members are for the provider to fill in.
    public var attributes: Value
    /// Reports progress for long operations ("waiting for task ...").
    public var progress: @Sendable (String) -> Void
    /// Call as soon as the object exists (a clone task started, say), with what is known of it:
    /// the engine records it as tainted at once, so a failure or a crash during the rest of the
    /// create leaves it in state, to be replaced or finished, rather than untracked.
    public var created: @Sendable (Value) throws -> Void

    public init(
        resource: ResourceContext,
        attributes: Value,
        progress: @escaping @Sendable (String) -> Void = { _ in },
        created: @escaping @Sendable (Value) throws -> Void = { _ in }
    ) {
        self.resource = resource
        self.attributes = attributes
        self.progress = progress
        self.created = created
    }
}

public struct CreateResponse: Sendable {
    /// The attributes to store in state, with computed members known.
    public var attributes: Value
    public init(attributes: Value) { self.attributes = attributes }
}

public struct UpdateRequest: Sendable {
    public var resource: ResourceContext
    public var prior: Value
    public var attributes: Value
    /// The top-level attributes that differ (`tags` when only `tags[1]` changed).
    public var changedAttributes: [String]
    /// Every changed leaf, such as `tags[1]` or `source.values.server.replicas`.
    public var changedPaths: [ValuePath]
    public var progress: @Sendable (String) -> Void
    public init(
        resource: ResourceContext,
        prior: Value,
        attributes: Value,
        changedAttributes: [String],
        changedPaths: [ValuePath] = [],
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.resource = resource
        self.prior = prior
        self.attributes = attributes
        self.changedAttributes = changedAttributes
        self.changedPaths = changedPaths
        self.progress = progress
    }
}

public struct UpdateResponse: Sendable {
    public var attributes: Value
    public init(attributes: Value) { self.attributes = attributes }
}

public struct DeleteRequest: Sendable {
    public var resource: ResourceContext
    public var prior: Value
    public var progress: @Sendable (String) -> Void
    public init(resource: ResourceContext, prior: Value, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.resource = resource
        self.prior = prior
        self.progress = progress
    }
}

public struct DeleteResponse: Sendable {
    public init() {}
}

public struct ImportRequest: Sendable {
    public var resource: ResourceContext
    /// The provider's identifier, such as `homelabpve01/200` for a Proxmox VM.
    public var id: String
    /// The declared attributes, for what the real object cannot tell (a VM's template, say), so
    /// an import does not plan a replacement.
    public var desired: Value?
    public init(resource: ResourceContext, id: String, desired: Value? = nil) {
        self.resource = resource
        self.id = id
        self.desired = desired
    }
}

public struct ImportResponse: Sendable {
    public var attributes: Value
    public init(attributes: Value) { self.attributes = attributes }
}
