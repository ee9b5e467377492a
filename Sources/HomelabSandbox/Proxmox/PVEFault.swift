/// A fault to inject into the next matching requests of a ``ProxmoxSimulator``.
public struct PVEFault: Sendable {
    public enum Kind: Sendable {
        /// Answer with this status and reason instead of handling the request.
        case status(Int, String)
        /// Close the connection without answering, after handling the request or before it.
        case dropConnection(afterHandling: Bool)
        /// The request waits for the VM's lock and times out ("can't lock file ... got timeout").
        case lockTimeout
        /// The task this request starts takes this much longer.
        case slowTask(Duration)
        /// The task this request starts fails with this exit status.
        case failTask(String)
    }

    public var kind: Kind
    /// `"POST /nodes/{node}/qemu/{vmid}/clone"`-style: method and path template, or a prefix of the
    /// concrete path such as `"PUT /nodes/pve/qemu/200/config"`. `nil` matches every request.
    public var matching: String?
    public var times: Int

    public init(_ kind: Kind, matching: String? = nil, times: Int = 1) {
        self.kind = kind
        self.matching = matching
        self.times = times
    }
}
