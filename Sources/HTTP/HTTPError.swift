/// A request that got no HTTP response. (A response with status ≥ 400 is not an error here; the
/// caller decides what it means.)
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server's certificate or key was not trusted.
    case untrustedServer(url: String, detail: String)
    case timedOut(url: String, after: Duration)
    case connectionFailed(url: String, detail: String)
    /// The connection broke mid-request; the server may or may not have acted on it.
    case connectionLost(url: String, detail: String)
    case invalidRequest(String)
    case cancelled

    public var description: String {
        switch self {
        case .untrustedServer(let url, let detail):
            return "TLS verification of \(url) failed: \(detail). Give the server's CA (tls: .caFile) or pin its key."
        case .timedOut(let url, let after): return "\(url) did not answer within \(after)"
        case .connectionFailed(let url, let detail): return "cannot connect to \(url): \(detail)"
        case .connectionLost(let url, let detail): return "the connection to \(url) broke: \(detail)"
        case .invalidRequest(let detail): return "invalid HTTP request: \(detail)"
        case .cancelled: return "the request was cancelled"
        }
    }

    /// Whether the request may have reached the server (matters before retrying a write).
    public var mayHaveReachedServer: Bool {
        switch self {
        case .connectionLost, .timedOut: return true
        default: return false
        }
    }
}
