/// Implements ``DataResource``: it stores its input and echoes it as `output`.
public struct DataProvider: Provider {
    public static let providerName = "homelab"
    public let name = DataProvider.providerName

    public init() {}

    /// Data lives only in state, so the stored attributes are the real ones.
    public func read(_ request: ReadRequest) async throws -> ReadResponse {
        ReadResponse(attributes: request.attributes)
    }

    public func create(_ request: CreateRequest) async throws -> CreateResponse {
        CreateResponse(attributes: Self.echo(request.attributes))
    }

    public func update(_ request: UpdateRequest) async throws -> UpdateResponse {
        UpdateResponse(attributes: Self.echo(request.attributes))
    }

    public func delete(_ request: DeleteRequest) async throws -> DeleteResponse { DeleteResponse() }

    public func importResource(_ request: ImportRequest) async throws -> ImportResponse {
        throw ProviderError.unsupported("data resources live only in state and cannot be imported")
    }

    private static func echo(_ attributes: Value) -> Value {
        guard var members = attributes.objectValue else { return attributes }
        members["output"] = members["input"] ?? .null
        return .object(members)
    }
}
