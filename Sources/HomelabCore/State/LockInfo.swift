import Foundation

/// Who holds the state lock, written into the lock file so a blocked run can say so.
public struct LockInfo: Sendable, Hashable, Codable {
    public var id: String
    public var operation: String
    public var who: String
    public var host: String
    public var pid: Int32
    public var created: String

    public static func current(operation: String) -> LockInfo {
        let environment = ProcessInfo.processInfo.environment
        let user = environment["USER"] ?? environment["LOGNAME"] ?? "unknown"
        let host = ProcessInfo.processInfo.hostName
        return LockInfo(
            id: UUID().uuidString.lowercased(),
            operation: operation,
            who: "\(user)@\(host)",
            host: host,
            pid: getpid(),
            created: ISO8601DateFormatter().string(from: Date())
        )
    }
}
