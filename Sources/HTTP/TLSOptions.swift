/// How a client decides whether to trust a server, and which identity it presents.
///
/// Verification is on by default. ``insecure`` is the only way to turn it off, and the client logs
/// a warning for it every time it is created.
public struct TLSOptions: Sendable {
    public enum Trust: Sendable, Equatable {
        /// The system's CA bundle.
        case system
        /// A CA certificate file (PEM), e.g. Proxmox's `pve-root-ca.pem`.
        case caFile(String)
        /// A CA certificate given inline as PEM.
        case caPEM(String)
        /// The server's public key, `sha256//<base64>` (several joined with `;`): trusts exactly
        /// that key, the way to accept PVE's self-signed certificate without trusting any CA.
        case pinnedPublicKey(String)
        /// No verification at all. Explicit, and warned about on every run.
        case insecure
    }

    /// A client certificate and key (Kubernetes clusters authenticate clients with them).
    public enum ClientIdentity: Sendable, Equatable {
        case files(certificate: String, key: String)
        case pem(certificate: String, key: String)
    }

    public var trust: Trust
    public var clientIdentity: ClientIdentity?

    public init(trust: Trust = .system, clientIdentity: ClientIdentity? = nil) {
        self.trust = trust
        self.clientIdentity = clientIdentity
    }

    public static let system = TLSOptions()
    public static let insecure = TLSOptions(trust: .insecure)
}
