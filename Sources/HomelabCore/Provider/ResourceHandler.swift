/// One resource type's operations, on its typed attributes: the same struct the declaration
/// compiles, the planner diffs (as a ``Value``), the handler works on and the read-back returns.
/// A ``HandlerProvider`` dispatches to handlers by ``type`` and does the conversions, so a handler
/// never spells an attribute name as a string.
public protocol ResourceHandler<Client>: Sendable {
    /// What the provider hands every operation: an API client, an SSH session, ...
    associatedtype Client: Sendable
    associatedtype Attributes: Codable & Sendable & Equatable

    static var type: ResourceType { get }

    /// The real object, or `nil` when it no longer exists.
    static func read(_ request: TypedRead<Attributes>, using client: Client) async throws -> Attributes?
    static func create(_ request: TypedCreate<Attributes>, using client: Client) async throws -> Attributes
    static func update(_ request: TypedUpdate<Attributes>, using client: Client) async throws -> Attributes
    static func delete(_ request: TypedDelete<Attributes>, using client: Client) async throws
    /// An existing object by the provider's own identifier (`node/vmid`, ...), or `nil` when none.
    static func importResource(_ request: TypedImport<Attributes>, using client: Client) async throws -> Attributes?
    /// Why the object cannot be updated in place from `prior` (as it really is) to `desired`, or
    /// `nil`: the plan fails with it, pointing at the declaration, before anything changes.
    static func refusal(from prior: Attributes, to desired: Attributes) -> String?
    /// What the plan says about going from `prior` to `desired` beyond the diff ("restart required").
    static func remarks(from prior: Attributes, to desired: Attributes) -> [String]
}

extension ResourceHandler {
    public static func refusal(from prior: Attributes, to desired: Attributes) -> String? { nil }
    public static func remarks(from prior: Attributes, to desired: Attributes) -> [String] { [] }

    public static func importResource(_ request: TypedImport<Attributes>, using client: Client) async throws -> Attributes? {
        throw ProviderError.unsupported("\(request.resource.address): a \(type.name) cannot be imported")
    }
}

public struct TypedRead<Attributes: Sendable>: Sendable {
    public var resource: ResourceContext
    /// As last stored in state, or as desired when adopting an interrupted create.
    public var prior: Attributes
}

public struct TypedCreate<Attributes: Sendable>: Sendable {
    public var resource: ResourceContext
    public var desired: Attributes
    public var progress: @Sendable (String) -> Void
    /// Call as soon as the object exists: see ``CreateRequest/created``.
    public var created: @Sendable (Attributes) throws -> Void
}

/// An update carries both typed versions: a handler compares fields (a list included) itself
/// rather than trusting a list of names.
public struct TypedUpdate<Attributes: Sendable>: Sendable {
    public var resource: ResourceContext
    public var prior: Attributes
    public var desired: Attributes
    /// The top-level attributes that differ (`tags` when only `tags[1]` changed).
    public var changedAttributes: Set<String>
    /// Every changed leaf, such as `tags[1]`.
    public var changedPaths: [ValuePath]
    public var progress: @Sendable (String) -> Void
}

public struct TypedDelete<Attributes: Sendable>: Sendable {
    public var resource: ResourceContext
    public var prior: Attributes
    public var progress: @Sendable (String) -> Void
}

public struct TypedImport<Attributes: Sendable>: Sendable {
    public var resource: ResourceContext
    /// The provider's identifier, such as `homelabpve01/200`.
    public var id: String
    /// The declared attributes, for what the real object cannot tell.
    public var desired: Attributes?
}
