/// Why an SSH operation failed. Messages name the host, never a key or passphrase.
public enum SSHError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectionFailed(host: String, detail: String)
    case timedOut(host: String, operation: String)
    /// The server's key is not the one on record: possibly an attack.
    case hostKeyChanged(host: String, fingerprint: String)
    /// Strict checking, and the host is not in known_hosts or the pinned fingerprints.
    case unknownHost(host: String, fingerprint: String)
    case authenticationFailed(host: String, user: String, detail: String)
    /// The connection broke during an operation; the remote command may or may not have run.
    case connectionLost(host: String, detail: String)
    case protocolError(host: String, detail: String)
    case sftp(host: String, path: String, detail: String)

    public var description: String {
        switch self {
        case .connectionFailed(let host, let detail): return "cannot connect to \(host): \(detail)"
        case .timedOut(let host, let operation): return "\(host): \(operation) timed out"
        case .hostKeyChanged(let host, let fingerprint):
            return
                "the host key of \(host) changed (now \(fingerprint)); refusing to connect. If the host was reinstalled, update known_hosts."
        case .unknownHost(let host, let fingerprint):
            return
                "\(host) is not a known host (its key is \(fingerprint)); add it to known_hosts, pin the fingerprint, or allow trust on first use"
        case .authenticationFailed(let host, let user, let detail): return "\(user)@\(host): authentication failed: \(detail)"
        case .connectionLost(let host, let detail): return "the connection to \(host) broke: \(detail)"
        case .protocolError(let host, let detail): return "\(host): \(detail)"
        case .sftp(let host, let path, let detail): return "\(host):\(path): \(detail)"
        }
    }
}
