/// Decodes request parameters exactly the way pveproxy does (pve-http-server `decode_urlencoded`),
/// traps included, so a client that gets the encoding wrong fails here as it would on a real node.
public enum PVEFormDecoder {
    /// Pairs are split on `&` **and** `;`; `+` is a space; each pair is split on *every* `=` and only
    /// the first two pieces are kept (an unescaped `a=b=c` arrives as `a=b`). A repeated key
    /// becomes an array.
    public static func decode(_ text: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for pair in text.split(whereSeparator: { $0 == "&" || $0 == ";" }) where !pair.isEmpty {
            let pieces = pair.split(separator: "=", omittingEmptySubsequences: false)
            let key = unescape(pieces[0])
            let value = pieces.count > 1 ? unescape(pieces[1]) : ""
            result[key, default: []].append(value)
        }
        return result
    }

    static func unescape(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { continue }
                bytes.append(value)
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
