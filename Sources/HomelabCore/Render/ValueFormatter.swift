import Foundation

/// Renders values the way Terraform's plan does: strings quoted, objects as indented blocks,
/// sensitive values and unknowns as markers. Never reveals a sensitive value.
public enum ValueFormatter {
    public static func format(_ value: Value, indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .null: return "null"
        case .bool(let bool): return bool ? "true" : "false"
        case .int(let int): return String(int)
        case .double(let double): return String(double)
        case .string(let string): return quote(string)
        case .unknown: return Value.unknownMarker
        case .sensitive: return Value.sensitiveMarker
        case .array(let items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy(\.isScalar) {
                let inline = "[" + items.map { format($0) }.joined(separator: ", ") + "]"
                if inline.count <= 80 { return inline }
            }
            return "[\n" + items.map { "\(pad)    \(format($0, indent: indent + 4)),\n" }.joined() + "\(pad)]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            let width = members.keys.map(\.count).max() ?? 0
            let lines = members.keys.sorted().map { key -> String in
                let member = members[key] ?? .null
                return "\(pad)    \(key.padding(toLength: width, withPad: " ", startingAt: 0)) = \(format(member, indent: indent + 4))\n"
            }
            return "{\n" + lines.joined() + "\(pad)}"
        }
    }

    static func quote(_ string: String) -> String {
        var result = "\""
        for character in string.unicodeScalars {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default: result.unicodeScalars.append(character)
            }
        }
        return result + "\""
    }
}

extension Value {
    var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }
}

/// Interpolating a value into a message (`"\(value)"`) renders it as plans do, so a provider's
/// error can never print a sensitive value in clear; so does debug printing.
extension Value: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { ValueFormatter.format(self) }
    public var debugDescription: String { ValueFormatter.format(self) }
}
