import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwiftASN1
import Synchronization
import X509

/// An HTTPS/1.1 server on 127.0.0.1 that hands every request to an async handler. The simulators
/// are handlers; this type only speaks the protocol.
public final class SandboxHTTPSServer: Sendable {
    public typealias Handler = @Sendable (SandboxRequest) async -> SandboxResponse

    public let port: Int
    private let channel: any Channel
    private let counters: ServerCounters
    private let group: MultiThreadedEventLoopGroup

    /// - Parameters:
    ///   - identity: the server certificate and key; `nil`: plain HTTP (the sandbox's apt
    ///     archives, served over http:// as Debian's and Proxmox's mirrors are).
    ///   - clientCA: when set, clients may present a certificate issued by this CA (optional, so
    ///     bearer tokens keep working); its subject reaches the handler.
    public init(
        identity: SandboxCertificateAuthority.Identity?,
        clientCA: String? = nil,
        host: String = "127.0.0.1",
        port: Int = 0,
        handler: @escaping Handler
    ) async throws {
        var tlsContext: NIOSSLContext?
        if let identity {
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(identity.certificatePEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
            )
            if let clientCA {
                tls.certificateVerification = .optionalVerification
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(clientCA.utf8)))
            }
            tlsContext = try NIOSSLContext(configuration: tls)
        }
        let context = tlsContext
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let counters = ServerCounters()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [counters] channel in
                counters.connections.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(handler: handler, counters: counters))
                }
            }
        do {
            self.channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        self.group = group
        self.counters = counters
        self.port = channel.localAddress?.port ?? port
    }

    /// How many TCP connections clients have opened so far (to check connection reuse).
    public var connectionsAccepted: Int { counters.connections.load(ordering: .relaxed) }

    public var baseURL: String { "https://127.0.0.1:\(port)" }

    public func shutdown() async {
        try? await channel.close()
        let deadline = ContinuousClock.now + .seconds(5)
        while counters.inFlight.load(ordering: .acquiring) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        try? await group.shutdownGracefully()
    }
}

private final class ServerCounters: Sendable {
    let connections = Atomic<Int>(0)
    /// Handlers still running; shutdown waits for them so none answers on a stopped event loop.
    let inFlight = Atomic<Int>(0)
}

/// Collects one request, calls the handler off the event loop, writes the answer back.
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: SandboxHTTPSServer.Handler
    private let counters: ServerCounters
    // Only touched on the channel's event loop.
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(handler: @escaping SandboxHTTPSServer.Handler, counters: ServerCounters) {
        self.handler = handler
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            self.head = nil
            let request = Self.request(head, body: body, subject: Self.clientSubject(context))
            let keepAlive = head.isKeepAlive
            counters.inFlight.add(1, ordering: .relaxed)
            Self.respond(
                to: request,
                with: handler,
                keepAlive: keepAlive,
                context: NIOLoopBound(context, eventLoop: context.eventLoop),
                counters: counters
            )
        }
    }

    /// Runs the handler in a task (simulators await simulated time) and writes on the event loop.
    private static func respond(
        to request: SandboxRequest,
        with handler: @escaping SandboxHTTPSServer.Handler,
        keepAlive: Bool,
        context: NIOLoopBound<ChannelHandlerContext>,
        counters: ServerCounters
    ) {
        Task {
            let response = await handler(request)
            context.eventLoop.execute {
                write(response, keepAlive: keepAlive, context: context.value)
                counters.inFlight.subtract(1, ordering: .releasing)
            }
        }
    }

    private static func request(_ head: HTTPRequestHead, body: [UInt8], subject: String?) -> SandboxRequest {
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let rawPath = parts.first.map(String.init) ?? "/"
        return SandboxRequest(
            method: head.method.rawValue,
            path: rawPath,
            query: parts.count > 1 ? String(parts[1]) : "",
            headers: head.headers.map { ($0.name, $0.value) },
            body: body,
            clientCertificateSubject: subject
        )
    }

    private static func clientSubject(_ context: ChannelHandlerContext) -> String? {
        guard let ssl = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
            let der = try? ssl.peerCertificate?.toDERBytes(),
            let certificate = try? Certificate(derEncoded: der)
        else { return nil }
        return certificate.subject.description
    }

    private static func write(_ response: SandboxResponse, keepAlive: Bool, context: ChannelHandlerContext) {
        if response.dropConnection {
            context.close(promise: nil)
            return
        }
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        let close = response.closeConnection || !keepAlive
        headers.replaceOrAdd(name: "Connection", value: close ? "close" : "keep-alive")
        let head = HTTPResponseHead(
            version: .http1_1,
            status: .custom(code: UInt(response.status), reasonPhrase: response.reason),
            headers: headers
        )
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if close {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
