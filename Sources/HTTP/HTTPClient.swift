import Foundation
import Logging

/// An HTTP/1.1 client over libcurl for the providers (Proxmox, Kubernetes).
///
/// Requests are `async` and run on the client's own libcurl thread; connections are reused up to
/// ``Options/maximumConnectionAge``. TLS is verified unless ``TLSOptions/Trust/insecure`` is asked
/// for, which is logged as a warning each time a client is made.
public final class HTTPClient: Sendable {
    public struct Options: Sendable {
        public var tls: TLSOptions
        public var connectTimeout: Duration
        public var requestTimeout: Duration
        /// Connections idle longer than this are not reused (pveproxy drops them after 5 s).
        public var maximumConnectionAge: Duration
        public var maximumConnections: Int

        public init(
            tls: TLSOptions = .system,
            connectTimeout: Duration = .seconds(10),
            requestTimeout: Duration = .seconds(60),
            maximumConnectionAge: Duration = .seconds(3),
            maximumConnections: Int = 16
        ) {
            self.tls = tls
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maximumConnectionAge = maximumConnectionAge
            self.maximumConnections = maximumConnections
        }
    }

    public let options: Options
    private let loop: CurlLoop

    public init(options: Options = Options(), logger: Logger = Logger(label: "homelabkit.http"), host: String = "") throws(HTTPError) {
        self.options = options
        self.loop = try CurlLoop(maximumConnections: options.maximumConnections)
        if options.tls.trust == .insecure {
            logger.warning(
                "TLS verification is OFF\(host.isEmpty ? "" : " for \(host)") (insecure was asked for): anyone on the path can read and change this traffic"
            )
        }
    }

    deinit { loop.stop() }

    /// Sends `request` and returns the server's response, whatever its status.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = try CurlTransfer(request, options: options)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.continuation = continuation
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
    }
}
