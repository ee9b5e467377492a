/// A response with its status line kept whole: older Proxmox servers put the error message only in
/// the reason phrase ("500 can't lock file … - got timeout") and send `{"data":null}` as the body.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// The reason phrase of the status line, as the server sent it (may be empty).
    public var reason: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, reason: String = "", headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// The first header of that name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
    public var isSuccess: Bool { (200..<300).contains(status) }
}
