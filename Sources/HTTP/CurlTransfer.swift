import CCurl
import Foundation

/// One request in flight: its easy handle, the buffers libcurl's callbacks fill, and the
/// continuation to resume. Touched only by the ``CurlLoop`` thread once submitted.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    let url: String
    let timeout: Duration
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// libcurl keeps this pointer for the life of the handle, so it is allocated, not an array.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    var continuation: CheckedContinuation<HTTPResponse, any Error>?
    var body: [UInt8] = []
    var status = 0
    var reason = ""
    var headers: [HTTPHeader] = []

    init(_ request: HTTPRequest, options: HTTPClient.Options) throws(HTTPError) {
        guard let easy = curl_easy_init() else {
            errorBuffer.deallocate()
            throw .invalidRequest("curl_easy_init failed")
        }
        errorBuffer.initialize(to: 0)
        self.easy = easy
        self.url = request.url
        self.timeout = request.timeout ?? options.requestTimeout
        do {
            try configure(request, options: options)
        } catch {
            release()
            throw error
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try check(homelab_curl_setopt_long(easy, option, value), option)
    }

    private func set(_ option: CURLoption, _ value: String) throws(HTTPError) {
        try check(homelab_curl_setopt_string(easy, option, value), option)
    }

    private func setBlob(_ option: CURLoption, _ value: String) throws(HTTPError) {
        var bytes = Array(value.utf8)
        try check(bytes.withUnsafeMutableBytes { homelab_curl_setopt_blob(easy, option, $0.baseAddress, $0.count) }, option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(HTTPError) {
        guard code == CURLE_OK else {
            throw .invalidRequest("libcurl refused option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    private func configure(_ request: HTTPRequest, options: HTTPClient.Options) throws(HTTPError) {
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_NOSIGNAL, 1)
        // HTTP/1.1 keeps the reason phrase, which old PVE servers use for their error message.
        try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(options.connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout))
        // pveproxy closes idle connections after 5 s; never reuse one older than that.
        try set(CURLOPT_MAXAGE_CONN, Int(options.maximumConnectionAge.components.seconds))
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        try check(homelab_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), CURLOPT_ERRORBUFFER)

        switch request.method {
        case .get: try set(CURLOPT_HTTPGET, 1)
        case .head: try set(CURLOPT_NOBODY, 1)
        default: try set(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        if let body = request.body {
            // A copied body with an explicit size: libcurl sends Content-Length, never chunked.
            try set(CURLOPT_POSTFIELDSIZE_LARGE, body.count)
            var copy = body
            try check(
                copy.withUnsafeMutableBytes { homelab_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) },
                CURLOPT_COPYPOSTFIELDS)
            if request.method == .get || request.method == .head {
                throw .invalidRequest("\(request.method.rawValue) with a body (Proxmox answers 501)")
            }
        }
        // An empty Expect: libcurl would otherwise wait for "100 Continue" before large bodies.
        for header in request.headers + [HTTPHeader("Expect", "")] {
            let line = header.value.isEmpty ? "\(header.name):" : "\(header.name): \(header.value)"
            if line.contains("\r") || line.contains("\n") { throw .invalidRequest("header \(header.name) contains a line break") }
            headerList = curl_slist_append(headerList, line)
        }
        try check(homelab_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), CURLOPT_HTTPHEADER)

        try configureTLS(options.tls)

        let userdata = Unmanaged.passUnretained(self).toOpaque()
        try check(homelab_curl_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteBody), CURLOPT_WRITEFUNCTION)
        try check(homelab_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, userdata), CURLOPT_WRITEDATA)
        try check(homelab_curl_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlWriteHeader), CURLOPT_HEADERFUNCTION)
        try check(homelab_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, userdata), CURLOPT_HEADERDATA)
    }

    private func configureTLS(_ tls: TLSOptions) throws(HTTPError) {
        switch tls.trust {
        case .system:
            break
        case .caFile(let path):
            try set(CURLOPT_CAINFO, path)
        case .caPEM(let pem):
            try setBlob(CURLOPT_CAINFO_BLOB, pem)
        case .pinnedPublicKey(let pins):
            // The pinned key is the identity: chain and name checks add nothing for a self-signed
            // certificate, but libcurl still refuses any other key.
            try set(CURLOPT_SSL_VERIFYPEER, 0)
            try set(CURLOPT_SSL_VERIFYHOST, 0)
            try set(CURLOPT_PINNEDPUBLICKEY, pins)
        case .insecure:
            try set(CURLOPT_SSL_VERIFYPEER, 0)
            try set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        switch tls.clientIdentity {
        case nil:
            break
        case .files(let certificate, let key):
            try set(CURLOPT_SSLCERT, certificate)
            try set(CURLOPT_SSLKEY, key)
        case .pem(let certificate, let key):
            try set(CURLOPT_SSLCERTTYPE, "PEM")
            try setBlob(CURLOPT_SSLCERT_BLOB, certificate)
            try set(CURLOPT_SSLKEYTYPE, "PEM")
            try setBlob(CURLOPT_SSLKEY_BLOB, key)
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let components = duration.components
        return max(1, Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000))
    }

    /// Turns libcurl's result into a response or an error. Called on the loop thread.
    func finish(_ code: CURLcode) -> Result<HTTPResponse, HTTPError> {
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            switch code {
            case CURLE_OPERATION_TIMEDOUT: return .failure(.timedOut(url: url, after: timeout))
            case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
                return .failure(.untrustedServer(url: url, detail: message))
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_SSL_CONNECT_ERROR:
                return .failure(.connectionFailed(url: url, detail: message))
            default:
                return .failure(.connectionLost(url: url, detail: message))
            }
        }
        return .success(HTTPResponse(status: status, reason: reason, headers: headers, body: body))
    }

    /// One header line from libcurl. A new status line starts a new response (after a redirect
    /// or a 100 Continue), so it resets what was collected.
    func receiveHeader(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            reason = parts.count > 2 ? String(parts[2]) : ""
            headers = []
        } else if let colon = trimmed.firstIndex(of: ":") {
            let name = String(trimmed[..<colon])
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append(HTTPHeader(name, value))
        }
    }

    func release() {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        headerList = nil
        errorBuffer.deallocate()
    }
}

private func curlWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let data, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    data.withMemoryRebound(to: UInt8.self, capacity: length) {
        transfer.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

private func curlWriteHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let data, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    transfer.receiveHeader(line)
    return length
}
