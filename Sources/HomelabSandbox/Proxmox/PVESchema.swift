import Foundation

/// The official Proxmox VE API schema (`apidata.js` from pve-docs), used to check every request a
/// client sends: path, method, parameter names (indexed ones like `net[n]` included), required
/// parameters, types, enums, ranges, patterns and the keys of property strings.
///
/// Named formats that the file only describes by `typetext` (`pve-qm-hostpci`, `pve-qm-ipconfig`,
/// `urlencoded`, `pve-tag-list`, ...) get hand-written rules in ``PVENamedFormats``.
public struct PVESchema: Sendable {
    public struct Property: Sendable {
        var type: String
        var optional: Bool
        var enumeration: [String]?
        var minimum: Double?
        var maximum: Double?
        var pattern: String?
        var maxLength: Int?
        var namedFormat: String?
        var keys: [String: Property]?
        var defaultKey: String?
        var alias: String?
    }

    public struct Method: Sendable {
        var properties: [String: Property]
        var additionalProperties: Bool
    }

    /// Path template (`/nodes/{node}/qemu/{vmid}/clone`) → method → parameters.
    private var endpoints: [String: [String: Method]] = [:]
    private var templates: [[Substring]] = []

    public var endpointCount: Int { endpoints.values.reduce(0) { $0 + $1.count } }

    public enum LoadError: Error, CustomStringConvertible {
        case missing(String)
        case malformed(String)
        public var description: String {
            switch self {
            case .missing(let path): return "the PVE API schema \(path) does not exist (it ships in ../shared/pve-api/apidata.js)"
            case .malformed(let detail): return "the PVE API schema cannot be read: \(detail)"
            }
        }
    }

    /// The copy beside this repository (`../shared/pve-api/apidata.js`), or `PVE_API_SCHEMA`.
    public static func official() throws -> PVESchema { try PVESchema(file: officialPath) }

    public static var officialPath: String {
        if let path = ProcessInfo.processInfo.environment["PVE_API_SCHEMA"] { return path }
        // Sources/HomelabSandbox/Proxmox/PVESchema.swift → the repository → its sibling `shared`.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("shared/pve-api/apidata.js").path
    }

    public init(file path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError.missing(path) }
        let text = String(decoding: data, as: UTF8.self)
        guard let open = text.firstIndex(of: "["), let close = text.lastIndex(of: "]") else {
            throw LoadError.malformed("no JSON array in \(path)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(text[open...close].utf8))
        guard let roots = json as? [[String: Any]] else { throw LoadError.malformed("the top level is not an array") }
        var pending = roots
        while let node = pending.popLast() {
            if let children = node["children"] as? [[String: Any]] { pending.append(contentsOf: children) }
            guard let path = node["path"] as? String, let info = node["info"] as? [String: Any] else { continue }
            var methods: [String: Method] = [:]
            for (name, value) in info {
                guard let descriptor = value as? [String: Any] else { continue }
                let parameters = descriptor["parameters"] as? [String: Any] ?? [:]
                let properties = (parameters["properties"] as? [String: Any] ?? [:]).compactMapValues { Self.property($0) }
                methods[name] = Method(
                    properties: properties,
                    additionalProperties: (parameters["additionalProperties"] as? Int ?? 0) != 0
                )
            }
            endpoints[path] = methods
            templates.append(path.split(separator: "/"))
        }
        if endpoints.isEmpty { throw LoadError.malformed("no endpoints") }
    }

    private static func property(_ raw: Any) -> Property? {
        guard let raw = raw as? [String: Any] else { return nil }
        var property = Property(
            type: raw["type"] as? String ?? "string",
            optional: (raw["optional"] as? Int ?? 0) != 0,
            enumeration: (raw["enum"] as? [Any])?.map { "\($0)" },
            minimum: (raw["minimum"] as? NSNumber)?.doubleValue,
            maximum: (raw["maximum"] as? NSNumber)?.doubleValue,
            pattern: raw["pattern"] as? String,
            maxLength: raw["maxLength"] as? Int,
            defaultKey: nil,
            alias: raw["alias"] as? String
        )
        if let format = raw["format"] as? String {
            property.namedFormat = format
        } else if let format = raw["format"] as? [String: Any] {
            var keys: [String: Property] = [:]
            for (key, value) in format {
                guard let sub = Self.property(value) else { continue }
                keys[key] = sub
                if let sub = value as? [String: Any], (sub["default_key"] as? Int ?? 0) != 0 { property.defaultKey = key }
            }
            property.keys = keys
        }
        return property
    }

    /// Finds the template of a concrete path (`/nodes/pve/qemu/100/config`) and its path parameters.
    public func match(_ path: String) -> (template: String, parameters: [String: String])? {
        let segments = path.split(separator: "/")
        var best: (template: String, parameters: [String: String], literals: Int)?
        for template in templates where template.count == segments.count {
            var parameters: [String: String] = [:]
            var literals = 0
            var matches = true
            for (pattern, segment) in zip(template, segments) {
                if pattern.hasPrefix("{") && pattern.hasSuffix("}") {
                    parameters[String(pattern.dropFirst().dropLast())] = String(segment).removingPercentEncoding ?? String(segment)
                } else if pattern == (segment.removingPercentEncoding ?? String(segment)) {
                    literals += 1
                } else {
                    matches = false
                    break
                }
            }
            if matches && literals > (best?.literals ?? -1) {
                best = ("/" + template.joined(separator: "/"), parameters, literals)
            }
        }
        return best.map { ($0.template, $0.parameters) }
    }

    /// Every way the request breaks the schema; empty when it conforms.
    /// - Parameters:
    ///   - path: the path under `/api2/json`.
    ///   - parameters: decoded parameters (query and body), arrays for repeated keys.
    ///   - jsonBody: whether booleans may be JSON `true`/`false`.
    public func violations(method: String, path: String, parameters: [String: [String]], jsonBody: Bool = false) -> [String] {
        guard let (template, pathParameters) = match(path) else { return ["\(method) \(path): no such path in the PVE API"] }
        guard let schema = endpoints[template]?[method] else { return ["\(method) \(template): the PVE API has no such method"] }
        var problems: [String] = []
        for (name, values) in parameters.sorted(by: { $0.key < $1.key }) {
            guard let property = schema.properties[name] ?? schema.properties[Self.indexedName(name)] else {
                if !schema.additionalProperties { problems.append("\(method) \(template): unknown parameter '\(name)'") }
                continue
            }
            if property.type != "array" && values.count > 1 {
                problems.append("\(method) \(template): '\(name)' given \(values.count) times")
            }
            for value in values {
                problems += Self.check(value, against: property, name: name, jsonBody: jsonBody).map { "\(method) \(template): \($0)" }
            }
        }
        for (name, property) in schema.properties where !property.optional && !name.contains("[n]") {
            if parameters[name] == nil && pathParameters[name] == nil {
                problems.append("\(method) \(template): required parameter '\(name)' is missing")
            }
        }
        for (name, value) in pathParameters {
            if let property = schema.properties[name] {
                problems += Self.check(value, against: property, name: name, jsonBody: false).map { "\(method) \(template): \($0)" }
            }
        }
        return problems
    }

    /// `net0` → `net[n]`, `hostpci12` → `hostpci[n]`.
    static func indexedName(_ name: String) -> String {
        let digits = name.reversed().prefix { $0.isNumber }
        guard !digits.isEmpty, digits.count < name.count else { return name }
        return String(name.dropLast(digits.count)) + "[n]"
    }

    static func check(_ value: String, against property: Property, name: String, jsonBody: Bool) -> [String] {
        var problems: [String] = []
        switch property.type {
        case "boolean":
            let allowed: Set<String> = jsonBody ? ["0", "1", "true", "false"] : ["0", "1"]
            if !allowed.contains(value) { problems.append("'\(name)': type check ('boolean') failed - got '\(value)'") }
        case "integer":
            if let number = Int(value) {
                if let minimum = property.minimum, Double(number) < minimum {
                    problems.append("'\(name)': \(number) is less than \(Int(minimum))")
                }
                if let maximum = property.maximum, Double(number) > maximum {
                    problems.append("'\(name)': \(number) is more than \(Int(maximum))")
                }
            } else {
                problems.append("'\(name)': type check ('integer') failed - got '\(value)'")
            }
        case "number":
            if Double(value) == nil { problems.append("'\(name)': type check ('number') failed - got '\(value)'") }
        default:
            break
        }
        if let enumeration = property.enumeration, !enumeration.contains(value) {
            problems.append("'\(name)': value '\(value)' does not have a value in the enumeration '\(enumeration.joined(separator: ", "))'")
        }
        if let maxLength = property.maxLength, value.utf8.count > maxLength {
            problems.append("'\(name)': value may only be \(maxLength) characters long")
        }
        if let pattern = property.pattern, value.range(of: "^(?:\(pattern))$", options: .regularExpression) == nil {
            problems.append("'\(name)': value does not match the regex pattern")
        }
        if let keys = property.keys {
            problems += checkPropertyString(value, keys: keys, defaultKey: property.defaultKey, name: name)
        } else if let format = property.namedFormat {
            problems += PVENamedFormats.check(value, format: format, name: name)
        }
        return problems
    }

    /// `virtio=AA:BB,bridge=vmbr0,firewall=1`: every key known, every value of the right type.
    static func checkPropertyString(_ value: String, keys: [String: Property], defaultKey: String?, name: String) -> [String] {
        var problems: [String] = []
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.split(separator: "=", maxSplits: 1)
            var key: String
            var subValue: String
            if pair.count == 2 {
                key = String(pair[0])
                subValue = String(pair[1])
            } else if let defaultKey {
                key = defaultKey
                subValue = String(item)
            } else {
                // net[n]: the model is a key whose value is the MAC ("virtio" alone is allowed).
                key = String(item)
                subValue = ""
            }
            if let property = keys[key], let alias = property.alias { key = alias }
            guard var property = keys[key] else {
                problems.append("'\(name)': invalid format - property string has unknown key '\(key)'")
                continue
            }
            if subValue.isEmpty && pair.count == 1 && defaultKey == nil { continue }
            // Inside property strings PVE accepts on/off/yes/no/true/false for booleans.
            if property.type == "boolean" {
                if !["0", "1", "on", "off", "yes", "no", "true", "false"].contains(subValue.lowercased()) {
                    problems.append("'\(name)': invalid format - \(key): type check ('boolean') failed - got '\(subValue)'")
                }
                continue
            }
            property.keys = nil
            problems += check(subValue, against: property, name: "\(name).\(key)", jsonBody: false)
        }
        return problems
    }
}
