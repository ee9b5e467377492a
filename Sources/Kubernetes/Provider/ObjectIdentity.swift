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
/// leaves, so a change made in the cluster to one of them shows as drift and nothing else does.
enum AppliedFields {
    static func project(_ live: Value, onto applied: Value) -> Value {
        guard case .object(let wanted) = applied else { return live }
        var result: [String: Value] = [:]
        for (key, value) in wanted {
            guard let actual = live[key] else { continue }
            if case .object(let members) = value, !members.isEmpty {
                result[key] = project(actual, onto: value)
            } else {
                result[key] = actual
            }
        }
        return .object(result)
    }
}
