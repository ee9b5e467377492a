/// A provider made of ``ResourceHandler``s: it finds the handler of each request's type, gets the
/// client for the resource's configuration, and converts attributes between the engine's
/// ``Value`` and the handler's typed struct. Providers subclass it with their handlers and the way
/// they connect; none writes its own dispatcher.
open class HandlerProvider<Client: Sendable>: Provider, @unchecked Sendable {
    public let name: String
    private let handlers: [String: any ResourceHandler<Client>.Type]
    private let connect: @Sendable (ResourceContext) async throws -> Client
    private let check: @Sendable (CheckConfigurationRequest) async throws -> Void

    /// - Parameters:
    ///   - connect: the client for one resource (usually from a ``ClientCache``).
    ///   - check: what `apply` checks of each configuration before its prompt.
    public init(
        name: String,
        handlers: [any ResourceHandler<Client>.Type],
        connect: @escaping @Sendable (ResourceContext) async throws -> Client,
        check: @escaping @Sendable (CheckConfigurationRequest) async throws -> Void = { _ in }
    ) {
        self.name = name
        self.handlers = Dictionary(handlers.map { ($0.type.name, $0) }) { first, _ in first }
        self.connect = connect
        self.check = check
    }

    /// The handler of the resource's type and the client for its configuration.
    private func prepare(_ resource: ResourceContext) async throws -> (any ResourceHandler<Client>.Type, Client) {
        guard let handler = handlers[resource.type.name] else {
            throw ProviderError.failed("the \(name) provider has no resource type \(resource.type.name) (\(resource.address))")
        }
        return (handler, try await connect(resource))
    }

    public func read(_ request: ReadRequest) async throws -> ReadResponse {
        let (handler, client) = try await prepare(request.resource)
        return ReadResponse(attributes: try await Self.read(handler, request, client))
    }

    public func create(_ request: CreateRequest) async throws -> CreateResponse {
        let (handler, client) = try await prepare(request.resource)
        return CreateResponse(attributes: try await Self.create(handler, request, client))
    }

    public func update(_ request: UpdateRequest) async throws -> UpdateResponse {
        let (handler, client) = try await prepare(request.resource)
        return UpdateResponse(attributes: try await Self.update(handler, request, client))
    }

    public func delete(_ request: DeleteRequest) async throws -> DeleteResponse {
        let (handler, client) = try await prepare(request.resource)
        try await Self.delete(handler, request, client)
        return DeleteResponse()
    }

    public func importResource(_ request: ImportRequest) async throws -> ImportResponse {
        let (handler, client) = try await prepare(request.resource)
        guard let attributes = try await Self.importResource(handler, request, client) else {
            throw ProviderError.failed("\(request.resource.address): no \(request.resource.type.name) '\(request.id)' exists")
        }
        return ImportResponse(attributes: attributes)
    }

    public func checkConfiguration(_ request: CheckConfigurationRequest) async throws { try await check(request) }

    /// Attributes that do not decode (a value known only after apply in a plain field) cannot be
    /// judged yet: the apply's own checks catch them.
    public func refusal(of update: PlannedUpdate) -> String? {
        guard let handler = handlers[update.resource.type.name] else { return nil }
        return Self.refusal(handler, update)
    }

    public func remarks(on update: PlannedUpdate) -> [String] {
        guard let handler = handlers[update.resource.type.name] else { return [] }
        return Self.remarks(handler, update)
    }

    private static func refusal<H: ResourceHandler<Client>>(_ handler: H.Type, _ update: PlannedUpdate) -> String? {
        guard let (prior, desired) = typed(H.self, update) else { return nil }
        return H.refusal(from: prior, to: desired)
    }

    private static func remarks<H: ResourceHandler<Client>>(_ handler: H.Type, _ update: PlannedUpdate) -> [String] {
        guard let (prior, desired) = typed(H.self, update) else { return [] }
        return H.remarks(from: prior, to: desired)
    }

    /// The update's typed attributes.
    private static func typed<H: ResourceHandler<Client>>(_ handler: H.Type, _ update: PlannedUpdate) -> (H.Attributes, H.Attributes)? {
        let decoder = AttributeDecoder()
        guard let prior = try? decoder.decode(H.Attributes.self, from: update.prior),
            let desired = try? decoder.decode(H.Attributes.self, from: update.desired)
        else { return nil }
        return (prior, desired)
    }

    // MARK: Typed calls (the handler's type opened)

    private static func read<H: ResourceHandler<Client>>(_ handler: H.Type, _ request: ReadRequest, _ client: Client) async throws -> Value?
    {
        let prior = try decode(H.Attributes.self, request.attributes, request.resource, "stored")
        return try await H.read(TypedRead(resource: request.resource, prior: prior), using: client).map { try encode($0) }
    }

    private static func create<H: ResourceHandler<Client>>(_ handler: H.Type, _ request: CreateRequest, _ client: Client) async throws
        -> Value
    {
        let resource = request.resource
        let desired = try decode(H.Attributes.self, request.attributes, resource, "desired")
        let report = request.created
        let typed = TypedCreate(
            resource: resource, desired: desired, progress: request.progress, created: { try report(try encode($0)) })
        return try encode(try await H.create(typed, using: client))
    }

    private static func update<H: ResourceHandler<Client>>(_ handler: H.Type, _ request: UpdateRequest, _ client: Client) async throws
        -> Value
    {
        let typed = TypedUpdate(
            resource: request.resource,
            prior: try decode(H.Attributes.self, request.prior, request.resource, "stored"),
            desired: try decode(H.Attributes.self, request.attributes, request.resource, "desired"),
            changedAttributes: Set(request.changedAttributes),
            changedPaths: request.changedPaths,
            progress: request.progress
        )
        return try encode(try await H.update(typed, using: client))
    }

    private static func delete<H: ResourceHandler<Client>>(_ handler: H.Type, _ request: DeleteRequest, _ client: Client) async throws {
        let prior = try decode(H.Attributes.self, request.prior, request.resource, "stored")
        try await H.delete(TypedDelete(resource: request.resource, prior: prior, progress: request.progress), using: client)
    }

    private static func importResource<H: ResourceHandler<Client>>(_ handler: H.Type, _ request: ImportRequest, _ client: Client)
        async throws -> Value?
    {
        let desired = try request.desired.map { try decode(H.Attributes.self, $0, request.resource, "declared") }
        let typed = TypedImport(resource: request.resource, id: request.id, desired: desired)
        return try await H.importResource(typed, using: client).map { try encode($0) }
    }

    private static func decode<A: Decodable>(_ type: A.Type, _ value: Value, _ resource: ResourceContext, _ which: String) throws -> A {
        do {
            return try AttributeDecoder().decode(type, from: value)
        } catch let error as DecodingError {
            throw ProviderError.failed(
                "\(resource.address): the \(which) attributes do not fit \(resource.type.name): \(error.attributeMessage)")
        }
    }

    private static func encode(_ attributes: some Encodable) throws -> Value { try AttributeEncoder().encode(attributes) }
}
