import Crypto
import Foundation
import HTTP
import HomelabCore

/// ArgoCD from its pinned upstream install manifest: downloaded, checked against the pinned
/// SHA-256, the namespace injected, applied with ArgoCD's own field manager (so ArgoCD can adopt
/// its objects later without conflicts), its config maps patched, and waited for until rolled out.
enum ArgoCDResource: KubernetesResource {
    static let type = KubernetesTypes.argocd

    /// ArgoCD's server-side apply manager.
    static let manager = "argocd-controller"

    static func read(_ prior: Value, client: KubernetesClient, options: KubernetesProvider.Options) async throws -> Value? {
        let namespace = try prior.requireString("namespace")
        guard try await client.get(apiVersion: "v1", kind: "Namespace", name: namespace) != nil else { return nil }
        var attributes = prior
        for (attribute, map) in [("config", "argocd-cm"), ("commandParameters", "argocd-cmd-params-cm")] {
            let data =
                try await client.get(apiVersion: "v1", kind: "ConfigMap", namespace: namespace, name: map)?["data"]?.objectValue ?? [:]
            let owned = (prior[attribute]?.objectValue ?? [:]).keys
            attributes = attributes.with(attribute, .object(data.filter { owned.contains($0.key) }))
        }
        return attributes
    }

    static func apply(
        _ desired: Value, prior: Value?, client: KubernetesClient, options: KubernetesProvider.Options,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Value {
        let namespace = try desired.requireString("namespace")
        let url = try desired.requireString("installURL")
        progress("downloading \(url)")
        let http = try HTTPClient(options: HTTPClient.Options(tls: options.downloadTLS), host: url)
        let response = try await http.send(HTTPRequest(method: .get, url: url))
        guard response.status == 200 else { throw ProviderError.failed("\(url) answered \(response.status) \(response.reason)") }
        let digest = SHA256.hash(data: response.body).map { String(format: "%02x", $0) }.joined()
        guard let pinned = desired["manifestSHA256"]?.stringValue else {
            throw ProviderError.failed(
                "ArgoCD's install manifest must be pinned: add manifestSHA256: \"\(digest)\" (the SHA-256 of \(url) now)")
        }
        guard pinned == digest else {
            throw ProviderError.failed("\(url) has SHA-256 \(digest), not the pinned \(pinned): refusing to apply it")
        }
        guard case .success(let objects) = ManifestDocuments.parse(String(decoding: response.body, as: UTF8.self)) else {
            throw ProviderError.failed("\(url) is not a YAML manifest")
        }
        try await client.apply(
            ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]], fieldManager: fieldManager)
        progress("applying \(objects.count) objects into \(namespace)")
        try await ManifestResource.applyInOrder(
            objects, client: client, manager: manager, namespace: namespace, options: options, progress: progress)
        for (attribute, map) in [("config", "argocd-cm"), ("commandParameters", "argocd-cmd-params-cm")] {
            let data = desired[attribute]?.objectValue ?? [:]
            try await client.apply(
                [
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(map), "namespace": .string(namespace)],
                    "data": .object(data),
                ],
                fieldManager: fieldManager, force: true)
        }
        let identities = objects.map { ObjectIdentity($0, defaultNamespace: namespace) }
        return desired.with(
            "objects",
            .array(identities.map { ["apiVersion": .string($0.apiVersion), "kind": .string($0.kind), "name": .string($0.name)] }))
    }

    static func delete(_ prior: Value, client: KubernetesClient, progress: @escaping @Sendable (String) -> Void) async throws {
        let namespace = try prior.requireString("namespace")
        for object in (prior["objects"]?.arrayValue ?? []).reversed() {
            let identity = ObjectIdentity(object, defaultNamespace: namespace)
            try await client.delete(apiVersion: identity.apiVersion, kind: identity.kind, namespace: namespace, name: identity.name)
        }
        try await client.delete(apiVersion: "v1", kind: "Namespace", name: namespace)
    }
}
