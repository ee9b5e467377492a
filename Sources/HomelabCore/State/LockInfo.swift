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
        let user = environment["USER"] ?? environment["LOGNAME"] ?? accountName() ?? "uid \(geteuid())"
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

    /// The ID `force-unlock` takes for a lock whose information cannot be read.
    public static let unreadableID = "unreadable"

    /// Stands for a holder whose lock file cannot be read (a full disk, say).
    public static let unreadable = LockInfo(
        id: unreadableID, operation: "unknown (the lock information cannot be read)", who: "unknown", host: "", pid: 0, created: "?")

    /// The login name of the effective user, from the password database (for when `$USER` is unset).
    private static func accountName() -> String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}
