/// A PVE task id: `UPID:$node:$pid:$pstart:$starttime:$type:$id:$user:`. Tasks are polled on the
/// node the UPID names, not the node the request went to.
public struct UPID: Sendable, Hashable, CustomStringConvertible {
    public let raw: String
    public let node: String
    public let type: String
    public let id: String

    public init?(_ raw: String) {
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 9, parts[0] == "UPID", !parts[1].isEmpty else { return nil }
        self.raw = raw
        self.node = String(parts[1])
        self.type = String(parts[5])
        self.id = String(parts[6])
    }

    public var description: String { raw }
}
