import Foundation

/// Where a secret comes from. Only the reference is stored in plans and state; the secret itself is
/// read by a provider when it needs it and never printed.
public enum SecretReference: Sendable, Hashable, Codable, CustomStringConvertible {
    /// An environment variable, read at apply time.
    case environment(String)
    /// A file (mode 0600 recommended), read at apply time.
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): return "env(\(name))"
        case .file(let path): return "file(\(path))"
        }
    }

    /// Why this reference can never resolve, or `nil` (checked when the description is validated).
    public var problem: String? {
        switch self {
        case .environment(let name):
            let valid =
                !name.isEmpty
                && name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
                && !("0"..."9").contains(name.unicodeScalars.first ?? "0")
            return valid
                ? nil
                : "'\(ResourceAddress.printable(name))' is not an environment variable name (letters, digits and '_', not starting with a digit)"
        case .file(let path):
            return path.isEmpty ? "a secret file needs a path" : nil
        }
    }

    /// The reference as an attribute value (the reference is not secret, so it prints).
    public var value: Value { .string(description) }

    /// Reads back ``description`` (`env(NAME)` or `file(PATH)`), as stored in provider configurations.
    public init?(parsing text: String) {
        guard text.hasSuffix(")") else { return nil }
        if text.hasPrefix("env(") {
            self = .environment(String(text.dropFirst(4).dropLast()))
        } else if text.hasPrefix("file(") {
            self = .file(String(text.dropFirst(5).dropLast()))
        } else {
            return nil
        }
    }

    /// Reads the secret. The error names the source but never contains the value.
    public func resolve(environment: [String: String]) throws -> String {
        switch self {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw SecretError(message: "environment variable \(name) is not set")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path),
                let text = String(data: data, encoding: .utf8)
            else {
                throw SecretError(message: "secret file \(path) cannot be read")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

public struct SecretError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
