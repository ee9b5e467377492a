import Foundation
import HTTP

/// A failed Proxmox API call or task, classified for retries and explained for users.
public struct ProxmoxAPIError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case notFound
        case alreadyExists
        /// "can't lock file … got timeout": another operation holds the lock; retriable.
        case lockTimeout
        /// 400 with per-parameter errors.
        case invalidParameters([String: String])
        case authentication
        case permission
        /// 595–599: pveproxy's proxy to pvedaemon or another node gave up; the work may go on.
        case proxy
        /// No HTTP response at all.
        case transport(HTTPError)
        case taskFailed(upid: String)
        case server
    }

    public var kind: Kind
    public var status: Int?
    public var message: String
    /// `POST /nodes/pve/qemu/9000/clone`
    public var request: String
    /// The last lines of a failed task's log.
    public var taskLog: [String] = []

    public var description: String {
        var text = "\(request) failed"
        if let status { text += " (HTTP \(status))" }
        text += ": \(message)"
        if case .invalidParameters(let errors) = kind, !errors.isEmpty {
            text += " " + errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
        }
        let interesting = taskLog.filter { !$0.isEmpty && $0 != "TASK OK" }.suffix(10)
        if !interesting.isEmpty { text += "\ntask log:\n  " + interesting.joined(separator: "\n  ") }
        return text
    }

    /// Errors that mean the request was not carried out and the same request may be sent again.
    public var isRetriable: Bool {
        switch kind {
        case .lockTimeout: return true
        case .transport(let error): return !error.mayHaveReachedServer
        case .server: return message.contains("got no worker upid") || message.contains("got timeout") || status == 503
        default: return false
        }
    }

    /// Classifies a response with status ≥ 300. The message is taken from the status line (old
    /// servers) and from the body's `message` and `errors` (new servers), de-duplicated.
    public static func from(status: Int, reason: String, body: [UInt8], request: String) -> ProxmoxAPIError {
        let envelope = (try? JSONDecoderFactory.decode(ErrorEnvelope.self, from: body)) ?? ErrorEnvelope()
        let trimmed = { (text: String) in text.trimmingCharacters(in: .whitespacesAndNewlines) }
        var parts = [trimmed(reason)]
        if let message = envelope.message.map(trimmed), !message.isEmpty, !parts.contains(message) { parts.append(message) }
        let message = parts.filter { !$0.isEmpty }.joined(separator: ": ")
        let errors = (envelope.errors ?? [:]).mapValues(trimmed)
        let lowered = message.lowercased() + " " + errors.values.joined(separator: " ").lowercased()
        let kind: Kind
        switch status {
        case 400 where !errors.isEmpty:
            // A missing network interface is a parameter error on `iface` (pve-manager Network.pm).
            if errors.values.contains(where: { $0.contains("already exists") }) {
                kind = .alreadyExists
            } else if errors.values.allSatisfy({ $0.contains("does not exist") }) {
                kind = .notFound
            } else {
                kind = .invalidParameters(errors)
            }
        case 401: kind = .authentication
        case 403: kind = .permission
        case 595...599: kind = .proxy
        default:
            if lowered.contains("got timeout") && lowered.contains("can't lock") {
                kind = .lockTimeout
            } else if lowered.contains("does not exist") || lowered.contains("no such") || lowered.contains("not found") || status == 404 {
                // "mapping 'x' not found" is a 500 (pve-manager Cluster/Mapping/PCI.pm).
                kind = .notFound
            } else if lowered.contains("already exists") || lowered.contains("already defined") {
                kind = .alreadyExists
            } else if lowered.contains("only root can set") || lowered.contains("permission check failed") {
                kind = .permission
            } else {
                kind = .server
            }
        }
        return ProxmoxAPIError(kind: kind, status: status, message: message.isEmpty ? "HTTP \(status)" : message, request: request)
    }

    private struct ErrorEnvelope: Decodable {
        var message: String?
        var errors: [String: String]?
    }
}
