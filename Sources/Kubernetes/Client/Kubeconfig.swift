import Foundation
import HTTP
import HomelabCore
import Yams

/// A kubeconfig file (`apiVersion: v1, kind: Config`): clusters, users and contexts, read from a
/// file or from a cluster's output, and written so `kubectl` accepts it (mode 0600: it holds keys
/// and tokens). Its description never shows a secret.
public struct Kubeconfig: Codable, Sendable, Equatable, CustomStringConvertible {
    public struct Cluster: Codable, Sendable, Equatable {
        public var server: String
        public var certificateAuthorityData: String?
        public var certificateAuthority: String?
        public var insecureSkipTLSVerify: Bool?

        public init(server: String, certificateAuthorityData: String? = nil, certificateAuthority: String? = nil) {
            self.server = server
            self.certificateAuthorityData = certificateAuthorityData
            self.certificateAuthority = certificateAuthority
        }

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthorityData = "certificate-authority-data"
            case certificateAuthority = "certificate-authority"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }

    public struct User: Codable, Sendable, Equatable {
        public var clientCertificateData: String?
        public var clientKeyData: String?
        public var clientCertificate: String?
        public var clientKey: String?
        public var token: String?
        public var tokenFile: String?

        public init(
            clientCertificateData: String? = nil, clientKeyData: String? = nil, token: String? = nil, tokenFile: String? = nil
        ) {
            self.clientCertificateData = clientCertificateData
            self.clientKeyData = clientKeyData
            self.token = token
            self.tokenFile = tokenFile
        }

        enum CodingKeys: String, CodingKey {
            case clientCertificateData = "client-certificate-data"
            case clientKeyData = "client-key-data"
            case clientCertificate = "client-certificate"
            case clientKey = "client-key"
            case token
            case tokenFile
        }
    }

    public struct Context: Codable, Sendable, Equatable {
        public var cluster: String
        public var user: String
        public var namespace: String?

        public init(cluster: String, user: String, namespace: String? = nil) {
            self.cluster = cluster
            self.user = user
            self.namespace = namespace
        }
    }

    public struct Named<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
        public var name: String
        public var item: Item

        public init(_ name: String, _ item: Item) {
            self.name = name
            self.item = item
        }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// `{name: x, cluster: {...}}`, `{name: x, user: {...}}` or `{name: x, context: {...}}`.
        static var itemKey: String {
            switch Item.self {
            case is Cluster.Type: return "cluster"
            case is User.Type: return "user"
            default: return "context"
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            name = try container.decode(String.self, forKey: Key(stringValue: "name"))
            item = try container.decode(Item.self, forKey: Key(stringValue: Self.itemKey))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(name, forKey: Key(stringValue: "name"))
            try container.encode(item, forKey: Key(stringValue: Self.itemKey))
        }
    }

    public var apiVersion = "v1"
    public var kind = "Config"
    public var clusters: [Named<Cluster>]
    public var users: [Named<User>]
    public var contexts: [Named<Context>]
    public var currentContext: String

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, clusters, users, contexts
        case currentContext = "current-context"
    }

    public init(clusters: [Named<Cluster>], users: [Named<User>], contexts: [Named<Context>], currentContext: String) {
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
        self.currentContext = currentContext
    }

    /// One cluster, one user, one context: what a cluster's bootstrap hands out.
    public init(cluster name: String, server: String, caPEM: String, user: String, credentials: User, namespace: String? = nil) {
        self.init(
            clusters: [Named(name, Cluster(server: server, certificateAuthorityData: Data(caPEM.utf8).base64EncodedString()))],
            users: [Named(user, credentials)],
            contexts: [Named("\(user)@\(name)", Context(cluster: name, user: user, namespace: namespace))],
            currentContext: "\(user)@\(name)")
    }

    public static func parse(_ text: String) throws -> Kubeconfig {
        do {
            return try YAMLDecoder().decode(Kubeconfig.self, from: text)
        } catch {
            // The decoder's message can quote the document, keys included: say only where it failed.
            throw KubernetesError.invalidKubeconfig("not a kubeconfig (apiVersion v1, kind Config): \(Self.location(of: error))")
        }
    }

    public static func load(path: String) throws -> Kubeconfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubernetesError.invalidKubeconfig("cannot read \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self))
    }

    public func render() throws -> String { try YAMLEncoder().encode(self) }

    /// Written atomically with mode 0600 from the start: the file holds credentials.
    public func write(to path: String) throws {
        let temporary = path + ".tmp-\(UUID().uuidString.prefix(8))"
        let bytes = Array(try render().utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KubernetesError.invalidKubeconfig("cannot write \(path): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw KubernetesError.invalidKubeconfig("cannot write \(path)")
        }
    }

    /// The server, trust, credentials and namespace of a context (the current one by default).
    public func access(context name: String? = nil) throws -> ClusterAccess {
        let contextName = name ?? currentContext
        guard let context = contexts.first(where: { $0.name == contextName })?.item else {
            throw KubernetesError.invalidKubeconfig("no context named '\(contextName)'")
        }
        guard let cluster = clusters.first(where: { $0.name == context.cluster })?.item else {
            throw KubernetesError.invalidKubeconfig("context '\(contextName)' names cluster '\(context.cluster)', which is not defined")
        }
        guard let user = users.first(where: { $0.name == context.user })?.item else {
            throw KubernetesError.invalidKubeconfig("context '\(contextName)' names user '\(context.user)', which is not defined")
        }
        var trust = TLSOptions.Trust.system
        if let data = cluster.certificateAuthorityData {
            guard let pem = Data(base64Encoded: data).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw KubernetesError.invalidKubeconfig("cluster '\(context.cluster)': certificate-authority-data is not base64")
            }
            trust = .caPEM(pem)
        } else if let file = cluster.certificateAuthority {
            trust = .caFile(file)
        } else if cluster.insecureSkipTLSVerify == true {
            trust = .insecure
        }
        var identity: TLSOptions.ClientIdentity?
        if let certificate = user.clientCertificateData, let key = user.clientKeyData {
            guard let certificatePEM = Data(base64Encoded: certificate), let keyPEM = Data(base64Encoded: key) else {
                throw KubernetesError.invalidKubeconfig("user '\(context.user)': client certificate or key data is not base64")
            }
            identity = .pem(certificate: String(decoding: certificatePEM, as: UTF8.self), key: String(decoding: keyPEM, as: UTF8.self))
        } else if let certificate = user.clientCertificate, let key = user.clientKey {
            identity = .files(certificate: certificate, key: key)
        }
        var token = user.token
        if token == nil, let file = user.tokenFile {
            token = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return ClusterAccess(
            server: cluster.server, tls: TLSOptions(trust: trust, clientIdentity: identity), token: token,
            namespace: context.namespace ?? "default")
    }

    public var description: String {
        "Kubeconfig(current-context: \(currentContext), clusters: \(clusters.map(\.name)), users: \(users.map(\.name)), credentials redacted)"
    }

    private static func location(of error: any Error) -> String {
        if case DecodingError.keyNotFound(let key, let context) = error {
            return "'\(key.stringValue)' is missing at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        }
        if case DecodingError.typeMismatch(_, let context) = error {
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        }
        return "the YAML does not parse"
    }
}

/// Everything a client needs to talk to one cluster.
public struct ClusterAccess: Sendable, CustomStringConvertible {
    public var server: String
    public var tls: TLSOptions
    /// A bearer token (sensitive).
    public var token: String?
    public var namespace: String

    public init(server: String, tls: TLSOptions, token: String? = nil, namespace: String = "default") {
        self.server = server
        self.tls = tls
        self.token = token
        self.namespace = namespace
    }

    public var description: String { "ClusterAccess(\(server), namespace: \(namespace)\(token == nil ? "" : ", token: (sensitive)"))" }
}
