import HomelabCore

/// Which object an applied configuration is: apiVersion, kind, namespace and name.
struct ObjectIdentity: Hashable, CustomStringConvertible {
    var apiVersion: String
    var kind: String
    var namespace: String?
    var name: String

    init(_ object: Value, defaultNamespace: String? = nil) {
        apiVersion = object["apiVersion"]?.stringValue ?? ""
        kind = object["kind"]?.stringValue ?? ""
        namespace = object["metadata"]?["namespace"]?.stringValue ?? defaultNamespace
        name = object["metadata"]?["name"]?.stringValue ?? ""
    }

    var description: String { "\(kind) \(namespace.map { "\($0)/" } ?? "")\(name)" }
}

/// What part of a live object HomelabKit applied: the live values at exactly the applied
/// leaves, so a change made in the cluster to one of them shows as drift and nothing else does
/// (fields the server adds, such as container defaults, are not drift).
enum AppliedFields {
    static func project(_ live: Value, onto applied: Value) -> Value {
        switch (applied, live) {
        case (.object(let wanted), _):
            guard case .object = live, !wanted.isEmpty else { return live }
            var result: [String: Value] = [:]
            for (key, value) in wanted {
                guard let actual = live[key] else { continue }
                result[key] = project(actual, onto: value)
            }
            return .object(result)
        case (.array(let wanted), .array(let actual)) where !wanted.isEmpty && wanted.allSatisfy({ $0["name"]?.stringValue != nil }):
            // Lists keyed by name (containers, ports, env, volumes), as Kubernetes merges them:
            // each applied element is compared with the live element of the same name.
            return .array(
                wanted.compactMap { element in
                    actual.first { $0["name"] == element["name"] }.map { project($0, onto: element) }
                })
        default:
            return live
        }
    }
}
