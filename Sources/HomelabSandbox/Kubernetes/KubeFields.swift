import HomelabCore

/// Field ownership for server-side apply, simplified the way the simulator needs it: a field is
/// a path to a leaf (a scalar, a list or an empty map); lists are atomic.
enum KubeFields {
    typealias Path = [String]

    /// The fields an applied configuration sets (identity and server-owned fields excluded).
    static func paths(of object: Value) -> Set<Path> {
        var result = Set<Path>()
        func walk(_ value: Value, _ path: Path) {
            if case .object(let members) = value, !members.isEmpty {
                for (key, member) in members { walk(member, path + [key]) }
            } else {
                result.insert(path)
            }
        }
        for (key, member) in object.objectValue ?? [:] where !["apiVersion", "kind", "status"].contains(key) {
            if key == "metadata" {
                for (field, value) in member.objectValue ?? [:]
                where !["name", "namespace", "managedFields", "resourceVersion", "uid", "generation", "creationTimestamp"].contains(field) {
                    walk(value, ["metadata", field])
                }
            } else {
                walk(member, [key])
            }
        }
        return result
    }

    static func value(at path: Path, in object: Value) -> Value? {
        var current: Value? = object
        for key in path { current = current?[key] }
        return current
    }

    /// Whether two paths touch the same field (equal, or one inside the other).
    static func overlap(_ a: Path, _ b: Path) -> Bool {
        a.count <= b.count ? Array(b.prefix(a.count)) == a : Array(a.prefix(b.count)) == b
    }

    static func removing(_ path: Path, from object: Value) -> Value {
        guard let first = path.first, case .object(var members) = object else { return object }
        if path.count == 1 {
            members[first] = nil
        } else if let child = members[first] {
            let pruned = removing(Array(path.dropFirst()), from: child)
            if case .object(let rest) = pruned, rest.isEmpty { members[first] = nil } else { members[first] = pruned }
        }
        return .object(members)
    }

    /// Maps merge key by key; anything else is replaced.
    static func merge(_ base: Value, _ patch: Value) -> Value {
        guard case .object(var members) = base, case .object(let changes) = patch else { return patch }
        for (key, change) in changes {
            if change == .null { members[key] = nil } else { members[key] = members[key].map { merge($0, change) } ?? change }
        }
        return .object(members)
    }

    /// `fieldsV1` as the API server writes it: `{"f:spec": {"f:replicas": {}}}`.
    static func fieldsV1(_ paths: Set<Path>) -> Value {
        var root: [String: Value] = [:]
        func insert(_ path: ArraySlice<String>, into node: inout [String: Value]) {
            guard let first = path.first else { return }
            var child = node["f:\(first)"]?.objectValue ?? [:]
            insert(path.dropFirst(), into: &child)
            node["f:\(first)"] = .object(child)
        }
        for path in paths { insert(path[...], into: &root) }
        return .object(root)
    }

    static func dotted(_ path: Path) -> String { "." + path.joined(separator: ".") }
}
