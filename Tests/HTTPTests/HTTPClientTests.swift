import Foundation
import HTTP
import HomelabSandbox
import Synchronization
import Testing

/// The libcurl client against a real HTTPS server (SwiftNIO + a throwaway CA).
@Suite struct HTTPClientTests {
    let authority: SandboxCertificateAuthority
    let identity: SandboxCertificateAuthority.Identity

    init() throws {
        authority = try SandboxCertificateAuthority()
        identity = try authority.issueServer()
    }

    /// A server that echoes what it got, or answers as the path asks.
    func server(clientCA: String? = nil) async throws -> SandboxHTTPSServer {
        let barrier = Mutex(0)
        return try await SandboxHTTPSServer(identity: identity, clientCA: clientCA) { request in
            switch request.path {
            case "/old-style-error":
                return SandboxResponse(
                    status: 500, reason: "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout",
                    body: Array(#"{"data":null}"#.utf8), closeConnection: true)
            case "/slow":
                try? await Task.sleep(for: .milliseconds(200))
                return SandboxResponse(status: 200, reason: "OK", body: Array("slow".utf8))
            case "/drop":
                return .dropped()
            case "/barrier":
                // Answers only once 40 requests are in at the same time (or gives up after 20 s):
                // a client that sent them one by one could never pass.
                let arrived = barrier.withLock { count in
                    count += 1
                    return count
                }
                let deadline = ContinuousClock.now + .seconds(20)
                while barrier.withLock({ $0 }) < 40 && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
                return SandboxResponse(status: barrier.withLock { $0 } >= 40 ? 200 : 504, reason: "arrived \(arrived)")
            case "/whoami":
                return SandboxResponse(status: 200, reason: "OK", body: Array((request.clientCertificateSubject ?? "anonymous").utf8))
            default:
                let text =
                    "\(request.method) \(request.path)?\(request.query) \(request.header("X-Test") ?? "") \(String(decoding: request.body, as: UTF8.self)) length=\(request.header("Content-Length") ?? "none") te=\(request.header("Transfer-Encoding") ?? "none")"
                return SandboxResponse(status: 200, reason: "OK", headers: [("Content-Type", "text/plain")], body: Array(text.utf8))
            }
        }
    }

    @Test func requestsWithVerifiedTLSAndBodiesWithContentLength() async throws {
        let server = try await server()
        defer { Task { await server.shutdown() } }
        let client = try HTTPClient(options: .init(tls: TLSOptions(trust: .caPEM(authority.caPEM))))
        let get = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/a?x=1", headers: [HTTPHeader("X-Test", "yes")]))
        #expect(get.status == 200 && get.reason == "OK")
        #expect(get.bodyText == "GET /a?x=1 yes  length=none te=none")
        #expect(get.header("content-type") == "text/plain")
        let post = try await client.send(HTTPRequest(method: .post, url: server.baseURL + "/b", body: Array("k=v%3D1".utf8)))
        #expect(post.bodyText == "POST /b?  k=v%3D1 length=7 te=none")
        let put = try await client.send(HTTPRequest(method: .put, url: server.baseURL + "/c", body: []))
        #expect(put.bodyText.hasPrefix("PUT /c?"))
    }

    @Test func statusLineReasonIsKept() async throws {
        let server = try await server()
        defer { Task { await server.shutdown() } }
        let client = try HTTPClient(options: .init(tls: TLSOptions(trust: .caPEM(authority.caPEM))))
        let response = try await client.send(HTTPRequest(method: .put, url: server.baseURL + "/old-style-error", body: []))
        #expect(response.status == 500)
        #expect(response.reason == "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout")
        #expect(response.bodyText == #"{"data":null}"#)
    }

    @Test func untrustedServerIsRefusedByDefault() async throws {
        let server = try await server()
        defer { Task { await server.shutdown() } }
        let client = try HTTPClient()
        await #expect {
            _ = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/a"))
        } throws: { error in
            guard case .untrustedServer = error as? HTTPError else { return false }
            return true
        }
    }

    @Test func pinnedKeyIsTrustedAndAnyOtherKeyRefused() async throws {
        let server = try await server()
        defer { Task { await server.shutdown() } }
        let pinned = try HTTPClient(options: .init(tls: TLSOptions(trust: .pinnedPublicKey(identity.publicKeyPin))))
        #expect(try await pinned.send(HTTPRequest(method: .get, url: server.baseURL + "/a")).status == 200)
        let other = try authority.issueServer()
        let wrong = try HTTPClient(options: .init(tls: TLSOptions(trust: .pinnedPublicKey(other.publicKeyPin))))
        await #expect {
            _ = try await wrong.send(HTTPRequest(method: .get, url: server.baseURL + "/a"))
        } throws: { error in
            guard case .untrustedServer = error as? HTTPError else { return false }
            return true
        }
    }

    @Test func insecureIsExplicitAndWorks() async throws {
        let server = try await server()
        defer { Task { await server.shutdown() } }
        let client = try HTTPClient(options: .init(tls: .insecure))
        #expect(try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/a")).status == 200)
    }

    @Test func clientCertificateReachesTheServer() async throws {
        let server = try await server(clientCA: authority.caPEM)
        defer { Task { await server.shutdown() } }
        let user = try authority.issueClient(commonName: "admin", organization: "system:masters")
        let identified = try HTTPClient(
            options: .init(
                tls: TLSOptions(
                    trust: .caPEM(authority.caPEM), clientIdentity: .pem(certificate: user.certificatePEM, key: user.privateKeyPEM)))
        )
        let response = try await identified.send(HTTPRequest(method: .get, url: server.baseURL + "/whoami"))
        #expect(response.bodyText.contains("CN=admin"))
        let anonymous = try HTTPClient(options: .init(tls: TLSOptions(trust: .caPEM(authority.caPEM))))
        #expect(try await anonymous.send(HTTPRequest(method: .get, url: server.baseURL + "/whoami")).bodyText == "anonymous")
    }

    @Test func connectionsAreReusedAndNewOnesFollowAClose() async throws {
        let server = try await server()
        defer { Task { await server.shutdown() } }
        // An idle limit no pause of a loaded machine reaches: reuse is what this test is about.
        let client = try HTTPClient(options: .init(tls: TLSOptions(trust: .caPEM(authority.caPEM)), maximumConnectionAge: .seconds(300)))
        for _ in 0..<10 { _ = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/a")) }
        #expect(server.connectionsAccepted == 1)
        // pveproxy closes the connection after an error; the next request opens a new one.
        _ = try await client.send(HTTPRequest(method: .put, url: server.baseURL + "/old-style-error", body: []))
        _ = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/a"))
        #expect(server.connectionsAccepted == 2)
    }

    @Test func timeoutsAndDroppedConnectionsAreClearErrors() async throws {
        let server = try await server()
        defer { Task { await server.shutdown() } }
        let client = try HTTPClient(options: .init(tls: TLSOptions(trust: .caPEM(authority.caPEM))))
        await #expect {
            _ = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/slow", timeout: .milliseconds(50)))
        } throws: { error in
            guard case .timedOut = error as? HTTPError else { return false }
            return true
        }
        await #expect {
            _ = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/drop"))
        } throws: { error in
            guard let error = error as? HTTPError, case .connectionLost = error else { return false }
            return error.mayHaveReachedServer
        }
        await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(method: .get, url: "https://127.0.0.1:1/refused"))
        }
    }

    /// 40 requests are in flight at once: the server answers none until all 40 have arrived. The
    /// client's own thread waits on the sockets; the cooperative pool (2 threads here) stays free.
    @Test func concurrentRequestsDoNotBlockTheCooperativePool() async throws {
        let server = try await server()
        defer { Task { await server.shutdown() } }
        let client = try HTTPClient(options: .init(tls: TLSOptions(trust: .caPEM(authority.caPEM)), maximumConnections: 64))
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 { group.addTask { try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/barrier")).status } }
            for try await status in group { #expect(status == 200) }
        }
    }

    @Test func headerInjectionIsRefused() async throws {
        let client = try HTTPClient()
        await #expect(throws: HTTPError.invalidRequest("header X contains a line break")) {
            _ = try await client.send(
                HTTPRequest(method: .get, url: "https://127.0.0.1:1/", headers: [HTTPHeader("X", "a\r\nInjected: 1")]))
        }
    }
}
