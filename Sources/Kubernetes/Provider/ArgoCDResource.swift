import Crypto
import Foundation
import HTTP
import HomelabCore

/// ArgoCD from its upstream install manifest: downloaded, checked against the pinned SHA-256 (or,
/// trusted on first use, against the one the first apply recorded), the namespace injected,
/// applied with ArgoCD's own field manager (so ArgoCD can adopt its objects later without
/// conflicts), its config maps patched, and waited for until rolled out.
enum ArgoCDResource: ResourceHandler {
    static let type = KubernetesTypes.argocd

    /// ArgoCD's server-side apply manager.
    static let manager = "argocd-controller"

    /// The config maps whose keys HomelabKit owns.
    private static var configMaps: [(WritableKeyPath<ArgoCDAttributes, [String: String]>, String)] {
        [(\.config, "argocd-cm"), (\.commandParameters, "argocd-cmd-params-cm")]
    }

    static func read(_ request: TypedRead<ArgoCDAttributes>, using session: KubernetesSession) async throws -> ArgoCDAttributes? {
        let (prior, client) = (request.prior, session.client)
        guard try await client.get(apiVersion: "v1", kind: "Namespace", name: prior.namespace) != nil else { return nil }
        var real = prior
        for (attribute, map) in configMaps {
            let data =
                try await client.get(apiVersion: "v1", kind: "ConfigMap", namespace: prior.namespace, name: map)?["data"]?.objectValue
                ?? [:]
            let owned = Set(prior[keyPath: attribute].keys)
            real[keyPath: attribute] = data.filter { owned.contains($0.key) }.compactMapValues(\.stringValue)
        }
        return real
    }

    static func create(_ request: TypedCreate<ArgoCDAttributes>, using session: KubernetesSession) async throws -> ArgoCDAttributes {
        try await install(request.desired, trusted: nil, session: session, progress: request.progress)
    }

    static func update(_ request: TypedUpdate<ArgoCDAttributes>, using session: KubernetesSession) async throws -> ArgoCDAttributes {
        // Trust on first use: the same URL must still serve what the first apply recorded.
        let recorded = request.prior.installURL == request.desired.installURL ? request.prior.manifestSHA256.value : nil
        return try await install(request.desired, trusted: recorded, session: session, progress: request.progress)
    }

    /// `trusted` is the digest recorded earlier for this URL, used when nothing is pinned.
    private static func install(
        _ desired: ArgoCDAttributes, trusted: String?, session: KubernetesSession, progress: @escaping @Sendable (String) -> Void
    ) async throws -> ArgoCDAttributes {
        let (namespace, url, client, options) = (desired.namespace, desired.installURL, session.client, session.options)
        progress("downloading \(url)")
        let http = try HTTPClient(options: HTTPClient.Options(tls: options.downloadTLS), host: url)
        let response = try await http.send(HTTPRequest(method: .get, url: url))
        guard response.status == 200 else { throw ProviderError.failed("\(url) answered \(response.status) \(response.reason)") }
        let digest = SHA256.hash(data: response.body).map { String(format: "%02x", $0) }.joined()
        if let pinned = desired.manifestSHA256.value {
            guard pinned == digest else {
                throw ProviderError.failed(
                    "\(url) has SHA-256 \(digest), not the pinned \(pinned): refusing to apply it "
                        + "(if the new one is trusted: manifest: .sha256(\"\(digest)\"))")
            }
        } else if let trusted {
            guard trusted == digest else {
                throw ProviderError.failed(
                    "\(url) has SHA-256 \(digest), not the \(trusted) trusted on first use: refusing to apply it "
                        + "(if the new one is trusted: manifest: .sha256(\"\(digest)\"))")
            }
        } else {
            progress("trusting \(url) on first use: SHA-256 \(digest) (pin it with manifest: .sha256(\"\(digest)\"))")
        }
        guard case .success(let objects) = ManifestDocuments.parse(String(decoding: response.body, as: UTF8.self)) else {
            throw ProviderError.failed("\(url) is not a YAML manifest")
        }
        try await client.apply(
            ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]], fieldManager: fieldManager)
        progress("applying \(objects.count) objects into \(namespace)")
        try await ManifestResource.applyInOrder(
            objects, client: client, manager: manager, namespace: namespace, options: options, progress: progress)
        for (attribute, map) in configMaps {
            try await client.apply(
                [
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(map), "namespace": .string(namespace)],
                    "data": .object(desired[keyPath: attribute].mapValues(Value.string)),
                ],
                fieldManager: fieldManager, force: true)
        }
        var installed = desired
        installed.manifestSHA256 = .known(digest)
        installed.objects = .known(
            objects.map { object in
                let identity = ObjectIdentity(object, defaultNamespace: namespace)
                return ArgoCDAttributes.InstalledObject(apiVersion: identity.apiVersion, kind: identity.kind, name: identity.name)
            })
        return installed
    }

    static func delete(_ request: TypedDelete<ArgoCDAttributes>, using session: KubernetesSession) async throws {
        let (prior, client) = (request.prior, session.client)
        for object in (prior.objects.value ?? []).reversed() {
            try await client.delete(apiVersion: object.apiVersion, kind: object.kind, namespace: prior.namespace, name: object.name)
        }
        try await client.delete(apiVersion: "v1", kind: "Namespace", name: prior.namespace)
    }
}
