/// One HTTP request. Bodies are always sent with a `Content-Length` (never chunked: pveproxy
/// rejects chunked bodies with 501).
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]?
    /// Overrides the client's request timeout for this request (long synchronous calls, uploads).
    public var timeout: Duration?

    public init(method: HTTPMethod, url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil, timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public enum HTTPMethod: String, Sendable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
    case head = "HEAD"
}

/// A header line. `sensitive` values (Authorization, tokens) are never printed by this module.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public var sensitive: Bool

    public init(_ name: String, _ value: String, sensitive: Bool = false) {
        self.name = name
        self.value = value
        self.sensitive = sensitive
    }
}
