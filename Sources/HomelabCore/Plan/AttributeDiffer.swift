/// Compares desired attributes with real ones.
enum AttributeDiffer {
    /// Differences of `desired` against `prior`, down to the changed leaf: a changed Helm value
    /// shows as `source.values.server.replicas`, not as the whole `source`.
    ///
    /// Only attributes the description sets are compared: attributes a provider adds (IDs, MAC
    /// addresses) are not drift. A desired `unknown` is the provider's to fill and never differs
    /// from a known prior value.
    static func diff(desired: Value, prior: Value, replaceOnChange: Set<String>) -> [AttributeDiff] {
        let desiredMembers = desired.objectValue ?? [:]
        let priorMembers = prior.objectValue ?? [:]
        var diffs: [AttributeDiff] = []
        for key in desiredMembers.keys.sorted() {
            guard let wanted = desiredMembers[key] else { continue }
            let had = priorMembers[key]
            if wanted.containsUnknown, had != nil { continue }
            if let had, wanted.plain == had.plain { continue }
            if had == nil, wanted == .null { continue }
            leaves(ValuePath([.key(key)]), had, wanted, forcesReplacement: replaceOnChange.contains(key), into: &diffs)
        }
        return diffs
    }

    /// Descends into objects (and lists of the same length) while both sides have them.
    private static func leaves(
        _ path: ValuePath, _ had: Value?, _ wanted: Value, forcesReplacement: Bool, into diffs: inout [AttributeDiff]
    ) {
        // Secrets stay whole: descending would unwrap them.
        let secret = wanted.containsSensitive || had?.containsSensitive == true
        switch (had, wanted) {
        case (.object(let before)?, .object(let after)) where !secret:
            for key in Set(before.keys).union(after.keys).sorted() {
                let old = before[key]
                let new = after[key] ?? .null
                if let old, old.plain == new.plain { continue }
                if new.containsUnknown, old != nil { continue }
                if old == nil, new == .null { continue }
                leaves(ValuePath(path.steps + [.key(key)]), old, new, forcesReplacement: forcesReplacement, into: &diffs)
            }
        case (.array(let before)?, .array(let after)) where before.count == after.count && !secret:
            for index in after.indices where before[index].plain != after[index].plain && !after[index].containsUnknown {
                leaves(
                    ValuePath(path.steps + [.index(index)]), before[index], after[index], forcesReplacement: forcesReplacement, into: &diffs
                )
            }
        default:
            diffs.append(AttributeDiff(path: path, before: had, after: wanted, forcesReplacement: forcesReplacement))
        }
    }

    /// Every top-level attribute of an object that is being created or deleted.
    static func all(of value: Value, before: Bool) -> [AttributeDiff] {
        (value.objectValue ?? [:]).keys.sorted().compactMap { key in
            guard let member = value[key] else { return nil }
            return AttributeDiff(
                path: ValuePath([.key(key)]),
                before: before ? member : nil,
                after: before ? nil : member,
                forcesReplacement: false
            )
        }
    }
}

extension Value {
    /// The value with every sensitive wrapper removed, for comparing.
    public var plain: Value {
        switch self {
        case .sensitive(let inner): return inner.plain
        case .array(let items): return .array(items.map(\.plain))
        case .object(let members): return .object(members.mapValues(\.plain))
        default: return self
        }
    }

    /// The member at `path`, or `nil`.
    public func value(at path: ValuePath) -> Value? {
        var current: Value? = self
        for step in path.steps {
            switch step {
            case .key(let key): current = current?[key]
            case .index(let index):
                guard let items = current?.arrayValue, items.indices.contains(index) else { return nil }
                current = items[index]
            }
        }
        return current
    }
}
