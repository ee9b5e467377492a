/// A request as a simulator sees it: the whole body, already read.
public struct SandboxRequest: Sendable {
    public var method: String
    /// The path without the query string, still percent-encoded (a segment may hold an encoded
    /// `/`, such as a PVE volume id `local:iso%2Fx.iso`).
    public var path: String
    /// The raw query string (without `?`).
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The subject of the verified client certificate (RFC 4514, such as `CN=admin,O=system:masters`).
    public var clientCertificateSubject: String?

    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}

/// What a simulator answers. `reason` is sent verbatim in the status line, because that is where
/// old Proxmox servers put their error messages.
public struct SandboxResponse: Sendable {
    public var status: Int
    public var reason: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Close the connection after this response (pveproxy does after any status ≥ 400).
    public var closeConnection: Bool
    /// Fault injection: close the connection without answering at all.
    public var dropConnection: Bool

    public init(
        status: Int,
        reason: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        closeConnection: Bool = false,
        dropConnection: Bool = false
    ) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.closeConnection = closeConnection
        self.dropConnection = dropConnection
    }

    public static func dropped() -> SandboxResponse { SandboxResponse(status: 0, reason: "", dropConnection: true) }
}
