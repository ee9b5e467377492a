import Foundation

/// Reads a `multipart/form-data` upload as pveproxy does: form fields, and the one file part
/// (whose `filename` becomes the `filename` parameter).
enum PVEMultipart {
    struct Form {
        var fields: [String: String]
        var file: [UInt8]?
    }

    static func parse(_ body: [UInt8], contentType: String) -> Form? {
        guard let range = contentType.range(of: "boundary=") else { return nil }
        let boundary = Array(("--" + contentType[range.upperBound...].trimmingCharacters(in: ["\""])).utf8)
        var form = Form(fields: [:], file: nil)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        for part in split(body, by: boundary) {
            var part = part
            if part.starts(with: Array("\r\n".utf8)) { part.removeFirst(2) }
            if part.starts(with: Array("--".utf8)) || part.isEmpty { continue }
            guard let headerEnd = firstIndex(of: separator, in: part) else { return nil }
            let headers = String(decoding: part[..<headerEnd], as: UTF8.self)
            var content = Array(part[(headerEnd + separator.count)...])
            if content.suffix(2) == Array("\r\n".utf8) { content.removeLast(2) }
            guard let name = attribute("name", in: headers) else { return nil }
            if let filename = attribute("filename", in: headers) {
                form.fields[name] = filename
                form.file = content
            } else {
                form.fields[name] = String(decoding: content, as: UTF8.self)
            }
        }
        return form
    }

    private static func attribute(_ name: String, in headers: String) -> String? {
        guard let start = headers.range(of: " \(name)=\"") ?? headers.range(of: ";\(name)=\"") else { return nil }
        let rest = headers[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    private static func split(_ bytes: [UInt8], by separator: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var start = 0
        var index = 0
        while index + separator.count <= bytes.count {
            if bytes[index] == separator[0] && Array(bytes[index..<index + separator.count]) == separator {
                if index > start { parts.append(Array(bytes[start..<index])) }
                index += separator.count
                start = index
            } else {
                index += 1
            }
        }
        if start < bytes.count { parts.append(Array(bytes[start...])) }
        return parts
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<index + needle.count]) == needle { return index }
        }
        return nil
    }
}
