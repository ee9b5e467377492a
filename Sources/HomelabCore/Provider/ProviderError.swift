/// Errors a provider throws for reasons of its own.
public enum ProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The operation is planned but not built yet; it must never pretend to succeed.
    case notAvailable(provider: String, operation: String, issue: Int?)
    /// No provider is registered under this name.
    case unknownProvider(String)
    /// The operation failed; the message must not contain secrets.
    case failed(String)
    /// The resource type does not support this operation.
    case unsupported(String)

    public var description: String {
        switch self {
        case .notAvailable(let provider, let operation, let issue):
            let tracking = issue.map { " (tracked in issue #\($0))" } ?? ""
            return "the \(provider) provider cannot \(operation) yet: this operation is not available yet\(tracking)"
        case .unknownProvider(let name):
            return "no provider named '\(name)' is registered"
        case .failed(let message):
            return message
        case .unsupported(let message):
            return message
        }
    }
}

/// A provider whose operations are not built yet: every call fails with a clear message.
public struct UnavailableProvider: Provider {
    public let name: String
    public let issue: Int?

    public init(name: String, issue: Int?) {
        self.name = name
        self.issue = issue
    }

    private func fail(_ operation: String, _ resource: ResourceContext) -> ProviderError {
        .notAvailable(provider: name, operation: "\(operation) \(resource.address)", issue: issue)
    }

    public func read(_ request: ReadRequest) async throws -> ReadResponse { throw fail("read", request.resource) }
    public func create(_ request: CreateRequest) async throws -> CreateResponse {
        throw fail("create", request.resource)
    }
    public func update(_ request: UpdateRequest) async throws -> UpdateResponse {
        throw fail("update", request.resource)
    }
    public func delete(_ request: DeleteRequest) async throws -> DeleteResponse {
        throw fail("delete", request.resource)
    }
    public func importResource(_ request: ImportRequest) async throws -> ImportResponse {
        throw fail("import", request.resource)
    }
}
