import Foundation
import HomelabCore
import Yams

/// Multi-document YAML (`---`) as objects; empty documents are skipped.
enum ManifestDocuments {
    static func parse(_ text: String) -> Result<[Value], ManifestError> {
        do {
            var objects: [Value] = []
            for (index, document) in try Yams.load_all(yaml: text).enumerated() {
                guard let object = value(document), object.objectValue != nil else {
                    throw ManifestError(message: "document \(index + 1) is not a mapping")
                }
                objects.append(object)
            }
            return .success(objects)
        } catch let error as ManifestError {
            return .failure(error)
        } catch {
            return .failure(ManifestError(message: "the YAML does not parse: \(error)"))
        }
    }

    /// Yams' loaded values (`[String: Any]`, `[Any]`, scalars) as `Value`; nil documents vanish.
    static func value(_ any: Any?) -> Value? {
        switch any {
        case nil: return nil
        case let map as [String: Any]: return .object(map.compactMapValues { value($0) ?? .null })
        case let list as [Any]: return .array(list.map { value($0) ?? .null })
        case let bool as Bool: return .bool(bool)
        case let int as Int: return .int(int)
        case let double as Double: return .double(double)
        case let string as String: return .string(string)
        case is NSNull: return .null
        default: return .string("\(any ?? "")")
        }
    }
}
