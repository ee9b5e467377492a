import Foundation
import HTTP
import HomelabCore

/// A Kubernetes API client over libcurl (the `HTTP` module): discovery, server-side apply, get,
/// list, delete and waits. The server's certificate is verified against the cluster CA from the
/// kubeconfig; the bearer token is a sensitive header, never logged.
public final class KubernetesClient: Sendable {
    public let access: ClusterAccess
    let http: HTTPClient
    let discovery: DiscoveryCache

    public init(access: ClusterAccess) throws {
        self.access = access
        http = try HTTPClient(options: HTTPClient.Options(tls: access.tls), host: access.server)
        discovery = DiscoveryCache()
    }

    /// The server's `gitVersion`, such as `v1.31.4`.
    public func version() async throws -> String {
        try await request(.get, "/version")["gitVersion"]?.stringValue ?? ""
    }

    // MARK: Objects

    /// Server-side apply (`PATCH` with `application/apply-patch+yaml`) as `fieldManager`. A
    /// namespaced object without a namespace goes to `namespace` (the context's by default).
    @discardableResult
    public func apply(_ object: Value, fieldManager: String, force: Bool = false, namespace: String? = nil) async throws -> Value {
        let resource = try await resource(for: object)
        let name = try Self.name(of: object)
        var body = object
        var targetNamespace = ""
        if resource.namespaced {
            targetNamespace = object["metadata"]?["namespace"]?.stringValue ?? namespace ?? access.namespace
            body = body.setting(["metadata", "namespace"], .string(targetNamespace))
        }
        let query = "fieldManager=\(Self.escape(fieldManager))" + (force ? "&force=true" : "")
        return try await request(
            .patch, resource.path(namespace: targetNamespace, name: name) + "?" + query, body: body,
            contentType: "application/apply-patch+yaml")
    }

    public func get(apiVersion: String, kind: String, namespace: String? = nil, name: String) async throws -> Value? {
        let resource = try await resource(apiVersion: apiVersion, kind: kind)
        do {
            return try await request(.get, resource.path(namespace: resource.namespaced ? namespace ?? access.namespace : "", name: name))
        } catch KubernetesError.status(404, _, _) {
            return nil
        }
    }

    /// The objects of a kind (in `namespace`, or all), narrowed by a field selector such as
    /// `spec.nodeName=node-2`.
    public func list(apiVersion: String, kind: String, namespace: String? = nil, fieldSelector: String? = nil) async throws -> [Value] {
        let resource = try await resource(apiVersion: apiVersion, kind: kind)
        var path = resource.path(namespace: resource.namespaced ? namespace : nil, name: nil)
        if let fieldSelector { path += "?fieldSelector=" + Self.escape(fieldSelector) }
        return try await request(.get, path)["items"]?.arrayValue ?? []
    }

    /// A JSON merge patch (RFC 7386: `null` removes a key, a list replaces the list), of the
    /// object or of its `status` subresource.
    @discardableResult
    public func mergePatch(
        apiVersion: String, kind: String, namespace: String? = nil, name: String, patch: Value, subresource: String? = nil
    ) async throws -> Value {
        let resource = try await resource(apiVersion: apiVersion, kind: kind)
        var path = resource.path(namespace: resource.namespaced ? namespace ?? access.namespace : "", name: name)
        if let subresource { path += "/\(subresource)" }
        return try await request(.patch, path, body: patch, contentType: "application/merge-patch+json")
    }

    /// Evicts a pod through the Eviction API (what `kubectl drain` does), so disruption budgets
    /// are honoured; false when the pod was already gone.
    @discardableResult
    public func evict(namespace: String, name: String) async throws -> Bool {
        let eviction: Value = [
            "apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": .string(name), "namespace": .string(namespace)],
        ]
        do {
            _ = try await request(
                .post, "/api/v1/namespaces/\(namespace)/pods/\(name)/eviction", body: eviction, contentType: "application/json")
            return true
        } catch KubernetesError.status(404, _, _) {
            return false
        }
    }

    /// Deletes with a propagation policy (`Foreground`, `Background` or `Orphan`); false when it
    /// was already gone.
    @discardableResult
    public func delete(
        apiVersion: String, kind: String, namespace: String? = nil, name: String, propagation: String = "Background"
    ) async throws -> Bool {
        let resource = try await resource(apiVersion: apiVersion, kind: kind)
        do {
            _ = try await request(
                .delete, resource.path(namespace: resource.namespaced ? namespace ?? access.namespace : "", name: name),
                body: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": .string(propagation)],
                contentType: "application/json")
            return true
        } catch KubernetesError.status(404, _, _) {
            return false
        }
    }

    // MARK: Discovery

    /// The resource serving `kind` in `apiVersion`. Discovery is cached for the client's life and
    /// fetched again once when a kind is missing (a CRD may have just been established).
    public func resource(apiVersion: String, kind: String) async throws -> APIResource {
        if let known = await discovery.resource(apiVersion: apiVersion, kind: kind) { return known }
        await discovery.replace(with: try await discover())
        guard let found = await discovery.resource(apiVersion: apiVersion, kind: kind) else {
            throw KubernetesError.unknownKind(apiVersion: apiVersion, kind: kind)
        }
        return found
    }

    func resource(for object: Value) async throws -> APIResource {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else {
            throw KubernetesError.status(code: 400, reason: "Invalid", message: "an object needs apiVersion and kind")
        }
        return try await resource(apiVersion: apiVersion, kind: kind)
    }

    /// Aggregated discovery (one request each for `/api` and `/apis`), or the legacy walk over
    /// every group version when the server does not offer it.
    func discover() async throws -> [APIResource] {
        let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        var found: [APIResource] = []
        var legacy = false
        for root in ["/api", "/apis"] {
            let (response, body) = try await exchange(.get, root, accept: accept)
            guard response.header("Content-Type")?.contains("as=APIGroupDiscoveryList") == true else {
                legacy = true
                break
            }
            found += APIResource.fromAggregated(body)
        }
        guard legacy else { return found }
        found = try await APIResource.fromList(request(.get, "/api/v1"))
        for group in try await request(.get, "/apis")["groups"]?.arrayValue ?? [] {
            guard let groupVersion = group["preferredVersion"]?["groupVersion"]?.stringValue else { continue }
            found += APIResource.fromList(try await request(.get, "/apis/\(groupVersion)"))
        }
        return found
    }

    // MARK: HTTP

    func request(_ method: HTTPMethod, _ path: String, body: Value? = nil, contentType: String? = nil) async throws -> Value {
        try await exchange(method, path, body: body, contentType: contentType).1
    }

    func exchange(_ method: HTTPMethod, _ path: String, body: Value? = nil, contentType: String? = nil, accept: String = "application/json")
        async throws -> (HTTPResponse, Value)
    {
        var headers = [HTTPHeader("Accept", accept)]
        if let token = access.token { headers.append(HTTPHeader("Authorization", "Bearer \(token)", sensitive: true)) }
        if let contentType { headers.append(HTTPHeader("Content-Type", contentType)) }
        let payload = try body.map { Array(try JSONEncoder().encode($0)) }
        let response: HTTPResponse
        do {
            response = try await http.send(HTTPRequest(method: method, url: access.server + path, headers: headers, body: payload))
        } catch {
            throw KubernetesError.transport("\(error)")
        }
        let decoded = (try? JSONDecoder().decode(Value.self, from: Data(response.body))) ?? .null
        guard (200..<300).contains(response.status) else { throw Self.failure(response.status, decoded) }
        return (response, decoded)
    }

    /// A `Status` as an error; a 409 from apply names the managers and fields in conflict.
    static func failure(_ code: Int, _ status: Value) -> KubernetesError {
        let reason = status["reason"]?.stringValue ?? "Unknown"
        let message = status["message"]?.stringValue ?? "HTTP \(code)"
        let causes = status["details"]?["causes"]?.arrayValue ?? []
        let conflicts = causes.filter { $0["reason"]?.stringValue == "FieldManagerConflict" }
        if code == 409, !conflicts.isEmpty {
            let managers = conflicts.compactMap { $0["message"]?.stringValue }.compactMap { text -> String? in
                let parts = text.split(separator: "\"")
                return parts.count >= 2 ? String(parts[1]) : nil
            }
            return .conflict(
                managers: Array(Set(managers)).sorted(), fields: conflicts.compactMap { $0["field"]?.stringValue }, message: message)
        }
        return .status(code: code, reason: reason, message: message)
    }

    static func name(of object: Value) throws -> String {
        guard let name = object["metadata"]?["name"]?.stringValue, !name.isEmpty else {
            throw KubernetesError.status(code: 400, reason: "Invalid", message: "an object needs metadata.name")
        }
        return name
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
