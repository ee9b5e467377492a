/// A path into a ``Value`` tree: object keys and array indices.
public struct ValuePath: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public enum Step: Sendable, Hashable, Codable {
        case key(String)
        case index(Int)
    }
    public var steps: [Step]

    public init(_ steps: [Step] = []) { self.steps = steps }

    public func appending(_ step: Step) -> ValuePath { ValuePath(steps + [step]) }

    public var description: String {
        var text = ""
        for step in steps {
            switch step {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? "(root)" : text
    }

    public static func < (lhs: ValuePath, rhs: ValuePath) -> Bool { lhs.description < rhs.description }

    // Encoded as a plain array such as ["net", 0, "bridge"] so state files stay readable.
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        var steps: [Step] = []
        while !container.isAtEnd {
            if let index = try? container.decode(Int.self) {
                steps.append(.index(index))
            } else {
                steps.append(.key(try container.decode(String.self)))
            }
        }
        self.steps = steps
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for step in steps {
            switch step {
            case .key(let key): try container.encode(key)
            case .index(let index): try container.encode(index)
            }
        }
    }
}

extension Value {
    /// This value with every sensitive subtree replaced by a marker: safe to print or save in a plan.
    public func redacted() -> Value {
        switch self {
        case .sensitive: return .string(Value.sensitiveMarker)
        case .array(let items): return .array(items.map { $0.redacted() })
        case .object(let members): return .object(members.mapValues { $0.redacted() })
        default: return self
        }
    }

    /// This value as a saved plan holds it: sensitive and unknown values replaced by their markers.
    public func serialized() -> Value {
        switch self {
        case .sensitive: return .string(Value.sensitiveMarker)
        case .unknown: return .string(Value.unknownMarker)
        case .array(let items): return .array(items.map { $0.serialized() })
        case .object(let members): return .object(members.mapValues { $0.serialized() })
        default: return self
        }
    }

    /// Splits this value into a plain tree and the paths that were sensitive (the state file form).
    public func extractingSensitivePaths() -> (value: Value, sensitivePaths: [ValuePath]) {
        var paths: [ValuePath] = []
        let plain = Self.extract(self, at: ValuePath(), into: &paths)
        return (plain, paths.sorted())
    }

    private static func extract(_ value: Value, at path: ValuePath, into paths: inout [ValuePath]) -> Value {
        switch value {
        case .sensitive(let inner):
            paths.append(path)
            return inner.unwrappedSensitive
        case .array(let items):
            return .array(items.enumerated().map { extract($1, at: path.appending(.index($0)), into: &paths) })
        case .object(let members):
            var result: [String: Value] = [:]
            for (key, member) in members { result[key] = extract(member, at: path.appending(.key(key)), into: &paths) }
            return .object(result)
        default:
            return value
        }
    }

    /// The inverse of ``extractingSensitivePaths()``: wraps the subtrees at `paths` as sensitive.
    public func markingSensitive(_ paths: [ValuePath]) -> Value {
        paths.reduce(self) { $0.markingSensitive(at: $1.steps[...]) }
    }

    private func markingSensitive(at steps: ArraySlice<ValuePath.Step>) -> Value {
        guard let step = steps.first else { return isSensitive ? self : .sensitive(self) }
        switch (step, self) {
        case (.key(let key), .object(var members)):
            guard let member = members[key] else { return self }
            members[key] = member.markingSensitive(at: steps.dropFirst())
            return .object(members)
        case (.index(let index), .array(var items)) where items.indices.contains(index):
            items[index] = items[index].markingSensitive(at: steps.dropFirst())
            return .array(items)
        default:
            return self
        }
    }
}
