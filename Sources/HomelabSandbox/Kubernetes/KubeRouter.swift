import Foundation
import HomelabCore
import Yams

/// Routes API requests the way kube-apiserver lays them out: `/version`, discovery (aggregated
/// v2 and legacy), a minimal `/openapi/v3`, and `/api/v1/…` and `/apis/<group>/<version>/…`
/// object paths, namespaced or not.
struct KubeRouter {
    let cluster: KubeCluster
    let kubernetesVersion: String

    static let aggregatedType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    func handle(_ request: SandboxRequest) async -> SandboxResponse {
        do {
            return try await route(request)
        } catch let failure as KubeFailure {
            return Self.status(failure)
        } catch {
            return Self.status(KubeFailure(code: 500, reason: "InternalError", message: "\(error)"))
        }
    }

    private func route(_ request: SandboxRequest) async throws -> SandboxResponse {
        let segments = request.path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        let query = Self.query(request.query)
        let aggregated = request.header("Accept")?.contains("as=APIGroupDiscoveryList") == true
        switch segments.first {
        case "version":
            let parts = kubernetesVersion.split(separator: ".")
            return Self.json([
                "major": .string(String(parts.first ?? "1")), "minor": .string(parts.count > 1 ? String(parts[1]) : "0"),
                "gitVersion": .string("v\(kubernetesVersion)"), "platform": "linux/amd64",
            ])
        case "homelab-sandbox" where segments == ["homelab-sandbox", "etcd"] && request.method == "DELETE":
            // Not a Kubernetes path: the kubeadm stand-in's init calls it in its etcd phase, where
            // a real init makes a new etcd member whose data starts empty.
            await cluster.startNewCluster()
            return Self.json(["kind": "Status", "apiVersion": "v1", "status": "Success"])
        case "openapi" where segments.count == 2 && segments[1] == "v3":
            return await openAPIRoot()
        case "openapi" where segments.count > 2 && segments[1] == "v3":
            return await openAPIDocument(groupVersion: segments.dropFirst(2).joined(separator: "/"))
        case "api" where segments.count == 1:
            return aggregated
                ? await discovery(groups: [""]) : Self.json(["kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []])
        case "apis" where segments.count == 1:
            let groups = await groupNames()
            return aggregated ? await discovery(groups: groups) : await groupList(groups)
        case "api" where segments.count == 2:
            return await resourceList(group: "", version: segments[1])
        case "apis" where segments.count == 3:
            return await resourceList(group: segments[1], version: segments[2])
        case "api":
            return try await objects(request, group: "", version: segments[1], rest: Array(segments.dropFirst(2)), query: query)
        case "apis" where segments.count > 3:
            return try await objects(request, group: segments[1], version: segments[2], rest: Array(segments.dropFirst(3)), query: query)
        default:
            throw KubeFailure(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
    }

    // MARK: Objects

    private func objects(_ request: SandboxRequest, group: String, version: String, rest: [String], query: [String: String])
        async throws -> SandboxResponse
    {
        var namespace: String?
        var remainder = rest
        if rest.count >= 3, rest[0] == "namespaces" {
            namespace = rest[1]
            remainder = Array(rest.dropFirst(2))
        }
        guard let plural = remainder.first, let type = await cluster.type(group: group, version: version, plural: plural) else {
            throw KubeFailure(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        let name = remainder.count > 1 ? remainder[1] : nil
        let ns = type.namespaced ? (namespace ?? "") : ""
        if remainder.count > 2 {
            return try await subresource(request, type: type, namespace: ns, name: remainder[1], subresource: remainder[2])
        }
        switch (request.method, name) {
        case ("GET", nil):
            var fields = try Self.fieldSelector(query["fieldSelector"], type: type)
            let fieldName = fields.removeValue(forKey: "metadata.name")
            let items = await cluster.list(type, namespace: type.namespaced ? namespace : nil, name: fieldName, fields: fields)
            if query["watch"] == "true" || query["watch"] == "1" {
                return try await watch(type, namespace: type.namespaced ? namespace : nil, name: fieldName, query: query)
            }
            return Self.json([
                "apiVersion": .string(type.apiVersion), "kind": .string(type.kind + "List"),
                "metadata": ["resourceVersion": .string(await cluster.currentResourceVersion)], "items": .array(items),
            ])
        case ("POST", nil):
            let body = try Self.decode(request.body)
            guard let name = body["metadata"]?["name"]?.stringValue else {
                throw KubeFailure(code: 422, reason: "Invalid", message: "metadata.name: Required value")
            }
            if (try? await cluster.get(type, namespace: ns, name: name)) != nil {
                throw KubeFailure(code: 409, reason: "AlreadyExists", message: "\(type.plural) \"\(name)\" already exists")
            }
            let manager = query["fieldManager"] ?? "kubectl-create"
            return Self.json(
                try await cluster.update(type, namespace: ns, name: name, patch: body, manager: manager, create: true), status: 201)
        case ("GET", let name?):
            return Self.json(try await cluster.get(type, namespace: ns, name: name))
        case ("PATCH", let name?):
            let contentType = request.header("Content-Type") ?? ""
            let body = try Self.decode(request.body)
            let manager = query["fieldManager"] ?? ""
            if contentType.hasPrefix("application/apply-patch") {
                guard !manager.isEmpty else {
                    throw KubeFailure(code: 400, reason: "BadRequest", message: "PATCH with apply requires a fieldManager")
                }
                let (object, created) = try await cluster.apply(
                    type, namespace: ns, name: name, body: body, manager: manager, force: query["force"] == "true")
                return Self.json(object, status: created ? 201 : 200)
            }
            if contentType.hasPrefix("application/merge-patch+json") {
                return Self.json(
                    try await cluster.update(
                        type, namespace: ns, name: name, patch: body, manager: manager.isEmpty ? "kubectl-edit" : manager))
            }
            throw KubeFailure(code: 415, reason: "UnsupportedMediaType", message: "the patch type \(contentType) is not simulated")
        case ("DELETE", let name?):
            let deleted = try await cluster.delete(type, namespace: ns, name: name)
            return Self.json([
                "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
                "details": ["name": .string(name), "kind": .string(type.plural), "uid": deleted["metadata"]?["uid"] ?? .null],
            ])
        default:
            throw KubeFailure(code: 405, reason: "MethodNotAllowed", message: "\(request.method) is not simulated here")
        }
    }

    /// `a=b,c==d` as paths and values. Every type selects by `metadata.name` and
    /// `metadata.namespace`; pods also by `spec.nodeName` (kubernetes/kubernetes
    /// `pkg/apis/core/v1/conversion.go` lists each kind's field labels); any other label is
    /// refused as the API server does ("field label not supported").
    static func fieldSelector(_ text: String?, type: KubeResourceType) throws -> [String: String] {
        guard let text, !text.isEmpty else { return [:] }
        var supported: Set<String> = ["metadata.name", "metadata.namespace"]
        if type.group.isEmpty && type.plural == "pods" { supported.insert("spec.nodeName") }
        var fields: [String: String] = [:]
        for term in text.split(separator: ",") {
            let parts = term.replacingOccurrences(of: "==", with: "=").split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, supported.contains(parts[0]) else {
                throw KubeFailure(code: 400, reason: "BadRequest", message: "field label not supported: \(parts.first ?? String(term))")
            }
            fields[parts[0]] = parts[1]
        }
        return fields
    }

    /// The subresources the simulator serves: a pod's `eviction` (what `kubectl drain` posts)
    /// and an object's `status` (what a kubelet patches).
    private func subresource(_ request: SandboxRequest, type: KubeResourceType, namespace: String, name: String, subresource: String)
        async throws -> SandboxResponse
    {
        switch (request.method, type.plural, subresource) {
        case ("POST", "pods", "eviction"):
            // policy/v1 Eviction; a success is a Status with 201 Created (eviction.go).
            let body = try Self.decode(request.body)
            guard body["kind"]?.stringValue == "Eviction" else {
                throw KubeFailure(code: 400, reason: "BadRequest", message: "the body of an eviction must be an Eviction")
            }
            try await cluster.evict(namespace: namespace, name: name)
            return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success"], status: 201)
        case ("PATCH", _, "status"):
            // A kubelet sends a strategic merge patch; only a JSON merge patch is simulated.
            guard (request.header("Content-Type") ?? "").hasPrefix("application/merge-patch+json") else {
                throw KubeFailure(code: 415, reason: "UnsupportedMediaType", message: "the status patch type is not simulated")
            }
            return Self.json(try await cluster.patchStatus(type, namespace: namespace, name: name, patch: try Self.decode(request.body)))
        default:
            throw KubeFailure(code: 404, reason: "NotFound", message: "subresource \(subresource) of \(type.plural) is not simulated")
        }
    }

    /// A watch from the client's `resourceVersion`: waits (up to `timeoutSeconds`, at most 2 s)
    /// until something matching changed after it, sends ADDED, MODIFIED and DELETED events, and
    /// ends; clients watch again from the newest version they saw. From "0" or none, the current
    /// objects come as ADDED at once.
    private func watch(_ type: KubeResourceType, namespace: String?, name: String?, query: [String: String]) async throws -> SandboxResponse
    {
        let limit = min(Double(query["timeoutSeconds"] ?? "2") ?? 2, 2)
        let deadline = ContinuousClock.now + .milliseconds(Int(limit * 1000))
        let since = Int(query["resourceVersion"] ?? "") ?? 0
        var events: [Value] = []
        while true {
            events = await cluster.events(type, namespace: namespace, name: name, since: since)
            if !events.isEmpty || ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let lines = try events.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        return SandboxResponse(
            status: 200, reason: "OK", headers: [("Content-Type", "application/json")],
            body: Array((lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n").utf8))
    }

    // MARK: Discovery

    private func groupNames() async -> [String] {
        var seen: [String] = []
        for type in await cluster.types where !type.group.isEmpty && !seen.contains(type.group) { seen.append(type.group) }
        return seen
    }

    private func groupList(_ groups: [String]) async -> SandboxResponse {
        let types = await cluster.types
        return Self.json([
            "kind": "APIGroupList", "apiVersion": "v1",
            "groups": .array(
                groups.map { group in
                    let versions = Array(Set(types.filter { $0.group == group }.map(\.version))).sorted()
                    let entries = versions.map { ["groupVersion": .string("\(group)/\($0)"), "version": .string($0)] as Value }
                    return ["name": .string(group), "versions": .array(entries), "preferredVersion": entries.first ?? .null]
                }),
        ])
    }

    private func resourceList(group: String, version: String) async -> SandboxResponse {
        let types = await cluster.types.filter { $0.group == group && $0.version == version }
        guard !types.isEmpty else { return Self.status(KubeFailure(code: 404, reason: "NotFound", message: "no such group version")) }
        return Self.json([
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(types[0].apiVersion),
            "resources": .array(
                types.map {
                    [
                        "name": .string($0.plural), "singularName": .string($0.singular), "namespaced": .bool($0.namespaced),
                        "kind": .string($0.kind), "verbs": Self.verbs,
                    ]
                }),
        ])
    }

    /// Aggregated discovery (`apidiscovery.k8s.io/v2`): every group, version and resource at once.
    private func discovery(groups: [String]) async -> SandboxResponse {
        let types = await cluster.types
        let items: [Value] = groups.map { group in
            let versions = Array(Set(types.filter { $0.group == group }.map(\.version))).sorted()
            return [
                "metadata": ["name": .string(group)],
                "versions": .array(
                    versions.map { version in
                        [
                            "version": .string(version), "freshness": "Current",
                            "resources": .array(
                                types.filter { $0.group == group && $0.version == version }.map {
                                    [
                                        "resource": .string($0.plural), "singularResource": .string($0.singular),
                                        "scope": $0.namespaced ? "Namespaced" : "Cluster", "verbs": Self.verbs,
                                        "responseKind": [
                                            "group": .string($0.group), "version": .string($0.version), "kind": .string($0.kind),
                                        ],
                                    ]
                                }),
                        ]
                    }),
            ]
        }
        let body: Value = [
            "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": [:], "items": .array(items),
        ]
        return SandboxResponse(status: 200, reason: "OK", headers: [("Content-Type", Self.aggregatedType)], body: Self.encode(body))
    }

    // MARK: OpenAPI

    /// `/openapi/v3`: one entry per group version, as kubectl's validation looks them up.
    private func openAPIRoot() async -> SandboxResponse {
        var paths: [String: Value] = [:]
        for type in await cluster.types {
            let key = type.group.isEmpty ? "api/\(type.version)" : "apis/\(type.group)/\(type.version)"
            paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(await cluster.currentResourceVersion)")]
        }
        return Self.json(["paths": .object(paths)])
    }

    /// A group version's document: only what kubectl checks, that each kind's PATCH takes
    /// `fieldValidation` (so it leaves validation to the server).
    private func openAPIDocument(groupVersion: String) async -> SandboxResponse {
        let types = await cluster.types.filter {
            ($0.group.isEmpty ? "api/\($0.version)" : "apis/\($0.group)/\($0.version)") == groupVersion
        }
        guard !types.isEmpty else { return Self.status(KubeFailure(code: 404, reason: "NotFound", message: "no such group version")) }
        var paths: [String: Value] = [:]
        for type in types {
            let base = "/" + groupVersion + (type.namespaced ? "/namespaces/{namespace}" : "")
            paths["\(base)/\(type.plural)/{name}"] = [
                "patch": [
                    "x-kubernetes-group-version-kind": [
                        "group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind),
                    ],
                    "parameters": [["name": "fieldValidation", "in": "query", "schema": ["type": "string"]]],
                    "responses": ["200": ["description": "OK"]],
                ]
            ]
        }
        return Self.json([
            "openapi": "3.0.0", "info": ["title": "Kubernetes", "version": .string("v\(kubernetesVersion)")], "paths": .object(paths),
            "components": ["schemas": [:]],
        ])
    }

    static let verbs: Value = .strings(["create", "delete", "get", "list", "patch", "update", "watch"])

    // MARK: Encoding

    static func decode(_ body: [UInt8]) throws -> Value {
        let text = String(decoding: body, as: UTF8.self)
        do {
            if text.first == "{" { return try JSONDecoder().decode(Value.self, from: Data(body)) }
            return try YAMLDecoder().decode(Value.self, from: text)
        } catch {
            throw KubeFailure(code: 400, reason: "BadRequest", message: "the body does not parse as JSON or YAML")
        }
    }

    static func encode(_ value: Value) -> [UInt8] { Array((try? JSONEncoder().encode(value)) ?? Data("{}".utf8)) }

    static func json(_ value: Value, status: Int = 200) -> SandboxResponse {
        SandboxResponse(
            status: status, reason: status == 201 ? "Created" : "OK", headers: [("Content-Type", "application/json")], body: encode(value))
    }

    static func status(_ failure: KubeFailure) -> SandboxResponse {
        var details: [String: Value] = [:]
        if !failure.causes.isEmpty { details["causes"] = .array(failure.causes) }
        let body: Value = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(failure.message),
            "reason": .string(failure.reason), "details": .object(details), "code": .int(failure.code),
        ]
        return SandboxResponse(
            status: failure.code, reason: failure.reason, headers: [("Content-Type", "application/json")], body: encode(body))
    }

    static func query(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            result[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }
}
