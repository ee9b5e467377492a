/// Encodes parameters so that pveproxy's parser reads back exactly what was meant.
///
/// pveproxy splits bodies on `&` and `;`, splits each pair on every `=`, and turns `+` into a
/// space, so every character outside RFC 3986's unreserved set is percent-encoded. Booleans are
/// `0`/`1` (anything else fails its type check).
public enum PVEFormEncoder {
    public enum Parameter: Sendable, Equatable {
        case string(String)
        case int(Int)
        case bool(Bool)
        /// A key repeated once per element (`map=…&map=…`).
        case list([String])
    }

    public static func encode(_ parameters: [(String, Parameter)]) -> String {
        var pairs: [String] = []
        for (key, value) in parameters {
            switch value {
            case .string(let string): pairs.append("\(escape(key))=\(escape(string))")
            case .int(let int): pairs.append("\(escape(key))=\(int)")
            case .bool(let bool): pairs.append("\(escape(key))=\(bool ? 1 : 0)")
            case .list(let items): pairs += items.map { "\(escape(key))=\(escape($0))" }
            }
        }
        return pairs.joined(separator: "&")
    }

    /// Percent-encodes everything but `A-Z a-z 0-9 - . _ ~` (space is `%20`, never `+`).
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    /// `sshkeys` is of format `urlencoded`: the newline-joined keys are percent-encoded once as the
    /// value itself, and the form layer encodes that again.
    public static func sshKeysValue(_ keys: [String]) -> String { escape(keys.joined(separator: "\n")) }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
