import Foundation
import HTTP
import HomelabCore
import Synchronization

/// A client of the Proxmox VE REST API (`/api2/json`) over libcurl.
///
/// Authenticates with an API token that never appears in messages; encodes parameters so that
/// pveproxy parses them back exactly; decodes both error styles; retries what is safe to retry;
/// waits for tasks with adaptive polling.
public final class ProxmoxClient: Sendable {
    public struct Options: Sendable {
        /// Attempts for retriable failures (lock timeouts, "got no worker upid", refused connections).
        public var attempts: Int = 5
        public var retryDelay: Duration = .milliseconds(200)
        /// Polling starts fast and backs off to this, so a finished task is noticed within it.
        public var maximumPollInterval: Duration = .milliseconds(250)
        public var firstPollInterval: Duration = .milliseconds(20)
        public var taskTimeout: Duration = .seconds(1800)
        /// How long an unattended OS install may take before a template build gives up.
        public var installTimeout: Duration = .seconds(3600)
        /// Trust for fetching checksum files (`file:https://…/SHA256SUMS`) from the internet.
        public var checksumTLS = TLSOptions.system
        public init() {}
    }

    public typealias Parameter = PVEFormEncoder.Parameter

    public let baseURL: String
    public let options: Options
    private let http: HTTPClient
    private let authorization: HTTPHeader
    private let counter = Mutex<Int>(0)

    /// - Parameters:
    ///   - endpoint: `https://host:8006` (with or without `/api2/json`).
    ///   - token: `USER@REALM!TOKENID=SECRET`.
    public init(endpoint: String, token: String, tls: TLSOptions, options: Options = Options()) throws {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        if !base.hasSuffix("/api2/json") { base += "/api2/json" }
        self.baseURL = base
        self.options = options
        self.http = try HTTPClient(options: HTTPClient.Options(tls: tls), host: endpoint)
        self.authorization = HTTPHeader("Authorization", "PVEAPIToken=\(token)", sensitive: true)
    }

    /// How many HTTP requests this client has sent (for benchmarks).
    public var requestCount: Int { counter.withLock { $0 } }

    @discardableResult
    public func get(_ path: String, _ query: [(String, Parameter)] = []) async throws -> Value {
        try await call(.get, path, query)
    }

    @discardableResult
    public func post(_ path: String, _ parameters: [(String, Parameter)] = []) async throws -> Value {
        try await call(.post, path, parameters)
    }

    @discardableResult
    public func put(_ path: String, _ parameters: [(String, Parameter)] = []) async throws -> Value {
        try await call(.put, path, parameters)
    }

    @discardableResult
    public func delete(_ path: String, _ query: [(String, Parameter)] = []) async throws -> Value {
        try await call(.delete, path, query)
    }

    /// Sends a request, retrying failures that mean "not done, try again".
    @discardableResult
    public func call(_ method: HTTPMethod, _ path: String, _ parameters: [(String, Parameter)]) async throws -> Value {
        var attempt = 1
        while true {
            do {
                return try await send(method, path, parameters)
            } catch let error as ProxmoxAPIError {
                // An idempotent read may also be retried after a broken connection or a proxy timeout.
                let retriable = error.isRetriable || (method == .get && (error.kind == .proxy || Self.isTransport(error)))
                guard retriable, attempt < options.attempts else { throw error }
                try await Task.sleep(for: options.retryDelay * (1 << min(attempt - 1, 4)))
                attempt += 1
            }
        }
    }

    private static func isTransport(_ error: ProxmoxAPIError) -> Bool {
        if case .transport = error.kind { return true }
        return false
    }

    private func send(_ method: HTTPMethod, _ path: String, _ parameters: [(String, Parameter)]) async throws -> Value {
        let encoded = PVEFormEncoder.encode(parameters)
        let inQuery = method == .get || method == .delete
        var url = baseURL + path
        if inQuery && !encoded.isEmpty { url += "?" + encoded }
        var headers = [authorization, HTTPHeader("Accept", "application/json")]
        if !inQuery { headers.append(HTTPHeader("Content-Type", "application/x-www-form-urlencoded")) }
        let request = HTTPRequest(method: method, url: url, headers: headers, body: inQuery ? nil : Array(encoded.utf8))
        let label = "\(method.rawValue) \(path)"
        counter.withLock { $0 += 1 }
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as HTTPError {
            throw ProxmoxAPIError(kind: .transport(error), message: error.description, request: label)
        }
        guard response.isSuccess else {
            throw ProxmoxAPIError.from(status: response.status, reason: response.reason, body: response.body, request: label)
        }
        guard let envelope = try? JSONDecoderFactory.decode([String: Value].self, from: response.body) else {
            throw ProxmoxAPIError(kind: .server, status: response.status, message: "the answer is not JSON", request: label)
        }
        return envelope["data"] ?? .null
    }

    /// `POST /nodes/{node}/storage/{storage}/upload`: a multipart body with the fields first and
    /// the file last, always with a Content-Length (pveproxy refuses uploads without one).
    /// Returns the upload task's id.
    public func upload(node: String, storage: String, content: String, filename: String, bytes: [UInt8]) async throws -> UPID {
        let boundary = "homelabkit-\(UUID().uuidString)"
        var body: [UInt8] = []
        func field(_ name: String, _ value: String) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        field("content", content)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"\(filename)\"\r\n".utf8)
        body += Array("Content-Type: application/octet-stream\r\n\r\n".utf8) + bytes + Array("\r\n--\(boundary)--\r\n".utf8)
        let path = "/nodes/\(node)/storage/\(storage)/upload"
        let request = HTTPRequest(
            method: .post,
            url: baseURL + path,
            headers: [authorization, HTTPHeader("Content-Type", "multipart/form-data; boundary=\(boundary)")],
            body: body,
            timeout: .seconds(600)
        )
        counter.withLock { $0 += 1 }
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as HTTPError {
            throw ProxmoxAPIError(kind: .transport(error), message: error.description, request: "POST \(path)")
        }
        guard response.isSuccess else {
            throw ProxmoxAPIError.from(status: response.status, reason: response.reason, body: response.body, request: "POST \(path)")
        }
        let envelope = try? JSONDecoderFactory.decode([String: Value].self, from: response.body)
        guard let raw = envelope?["data"]?.stringValue, let upid = UPID(raw) else {
            throw ProxmoxAPIError(kind: .server, message: "the upload did not return a task id", request: "POST \(path)")
        }
        return upid
    }

    /// Fetches a small text file (a checksum list) from anywhere, not from PVE.
    public func fetchText(_ url: String) async throws -> String {
        let client = try HTTPClient(options: HTTPClient.Options(tls: options.checksumTLS))
        let response: HTTPResponse
        do {
            response = try await client.send(HTTPRequest(method: .get, url: url))
        } catch let error as HTTPError {
            throw ProviderError.failed("cannot fetch \(url): \(error)")
        }
        guard response.isSuccess else { throw ProviderError.failed("cannot fetch \(url): HTTP \(response.status) \(response.reason)") }
        return response.bodyText
    }

    // MARK: Tasks

    /// Sends a request that starts a task and waits for the task to end. `started` runs once PVE
    /// has accepted the task (it answered a UPID), before waiting for it.
    @discardableResult
    public func runTask(
        _ method: HTTPMethod,
        _ path: String,
        _ parameters: [(String, Parameter)] = [],
        progress: @Sendable (String) -> Void = { _ in },
        started: (UPID) throws -> Void = { _ in }
    ) async throws -> [String] {
        let answer = try await call(method, path, parameters)
        // POST …/config answers null when the work finished within its background delay.
        guard let raw = answer.stringValue else { return [] }
        guard let upid = UPID(raw) else {
            throw ProxmoxAPIError(kind: .server, message: "expected a task id, got '\(raw)'", request: "\(method.rawValue) \(path)")
        }
        try started(upid)
        return try await waitForTask(upid, progress: progress)
    }

    /// Polls the task's status on its own node: quickly at first, backing off to
    /// ``Options/maximumPollInterval``. Returns the warnings of a task that ended with
    /// `WARNINGS: n`; throws with the task log when it failed.
    public func waitForTask(_ upid: UPID, progress: @Sendable (String) -> Void = { _ in }) async throws -> [String] {
        let statusPath = "/nodes/\(upid.node)/tasks/\(PVEFormEncoder.escape(upid.raw))/status"
        let deadline = ContinuousClock.now + options.taskTimeout
        var interval = options.firstPollInterval
        progress("waiting for task \(upid.type) \(upid.id)")
        while true {
            let status = try await get(statusPath)
            if status["status"]?.stringValue == "stopped" {
                let exit = status["exitstatus"]?.stringValue ?? "unexpected status"
                if exit == "OK" { return [] }
                let log = (try? await taskLog(upid)) ?? []
                if exit.hasPrefix("WARNINGS") { return log.filter { $0.hasPrefix("WARN") } }
                var error = ProxmoxAPIError.from(status: 500, reason: exit, body: [], request: "task \(upid.type) \(upid.id)")
                if error.kind == .server { error.kind = .taskFailed(upid: upid.raw) }
                error.status = nil
                error.taskLog = log
                throw error
            }
            if ContinuousClock.now > deadline {
                throw ProxmoxAPIError(
                    kind: .server, message: "task \(upid.raw) still running after \(options.taskTimeout)", request: "task \(upid.type)")
            }
            try await Task.sleep(for: interval)
            interval = min(interval * 2, options.maximumPollInterval)
        }
    }

    public func taskLog(_ upid: UPID) async throws -> [String] {
        let lines = try await get(
            "/nodes/\(upid.node)/tasks/\(PVEFormEncoder.escape(upid.raw))/log", [("start", .int(0)), ("limit", .int(500))])
        return (lines.arrayValue ?? []).compactMap { $0["t"]?.stringValue }
    }
}
