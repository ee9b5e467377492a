import HomelabCore

/// One served resource: where objects of a kind live and whether they are namespaced.
public struct APIResource: Sendable, Hashable {
    public var group: String
    public var version: String
    public var kind: String
    public var plural: String
    public var namespaced: Bool

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `/api/v1/namespaces/<ns>/configmaps/<name>` and the like; a nil namespace lists across all.
    public func path(namespace: String?, name: String?) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace, !namespace.isEmpty { path += "/namespaces/\(namespace)" }
        path += "/\(plural)"
        if let name { path += "/\(name)" }
        return path
    }

    static func fromAggregated(_ list: Value) -> [APIResource] {
        (list["items"]?.arrayValue ?? []).flatMap { group -> [APIResource] in
            let name = group["metadata"]?["name"]?.stringValue ?? ""
            return (group["versions"]?.arrayValue ?? []).flatMap { version -> [APIResource] in
                let versionName = version["version"]?.stringValue ?? ""
                return (version["resources"]?.arrayValue ?? []).compactMap { resource in
                    guard let plural = resource["resource"]?.stringValue, let kind = resource["responseKind"]?["kind"]?.stringValue else {
                        return nil
                    }
                    return APIResource(
                        group: name, version: versionName, kind: kind, plural: plural,
                        namespaced: resource["scope"]?.stringValue == "Namespaced")
                }
            }
        }
    }

    static func fromList(_ list: Value) -> [APIResource] {
        let groupVersion = list["groupVersion"]?.stringValue ?? "v1"
        let parts = groupVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
        return (list["resources"]?.arrayValue ?? []).compactMap { resource in
            guard let plural = resource["name"]?.stringValue, !plural.contains("/"), let kind = resource["kind"]?.stringValue else {
                return nil
            }
            return APIResource(
                group: group, version: version, kind: kind, plural: plural, namespaced: resource["namespaced"]?.boolValue ?? true)
        }
    }
}

/// Discovery results for one client, refreshed when a kind is missing.
actor DiscoveryCache {
    private var byKind: [String: APIResource] = [:]
    private(set) var refreshes = 0

    func resource(apiVersion: String, kind: String) -> APIResource? { byKind["\(apiVersion)|\(kind)"] }

    func replace(with resources: [APIResource]) {
        refreshes += 1
        byKind = Dictionary(resources.map { ("\($0.apiVersion)|\($0.kind)", $0) }) { first, _ in first }
    }
}
