import Foundation

/// Errors of the Kubernetes client, with the API server's own words where it gave them.
public enum KubernetesError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidKubeconfig(String)
    /// A `Status` answer: HTTP code, `reason` (NotFound, Conflict, Invalid, ...) and message.
    case status(code: Int, reason: String, message: String)
    /// Server-side apply refused: another field manager owns these fields (use force to take them).
    case conflict(managers: [String], fields: [String], message: String)
    case unknownKind(apiVersion: String, kind: String)
    case timedOut(String)
    case transport(String)

    public var description: String {
        switch self {
        case .invalidKubeconfig(let detail): return "kubeconfig: \(detail)"
        case .status(let code, let reason, let message): return "the API server answered \(code) \(reason): \(message)"
        case .conflict(let managers, let fields, _):
            return
                "server-side apply conflict: \(fields.joined(separator: ", ")) owned by \(managers.joined(separator: ", ")) (apply with force to take them over)"
        case .unknownKind(let apiVersion, let kind):
            return "the cluster does not serve kind \(kind) in \(apiVersion) (is its CRD installed?)"
        case .timedOut(let what): return "timed out waiting for \(what)"
        case .transport(let detail): return "cannot reach the API server: \(detail)"
        }
    }
}
