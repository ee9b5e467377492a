/// Decoded request parameters (query string and body merged), with PVE's own type checks: the
/// texts are pve-common `PVE/JSONSchema.pm`'s (`check_type`, `validate`).
struct PVEParameters: Sendable {
    var values: [String: [String]]
    /// Path parameters (`node`, `vmid`, ...).
    var path: [String: String]
    /// The authenticated user (`homelab@pve!provider`).
    var user: String
    /// The file part of a multipart upload.
    var file: [UInt8]? = nil

    func string(_ name: String) -> String? { path[name] ?? values[name]?.last }

    func require(_ name: String) throws -> String {
        guard let value = string(name) else { throw PVEAPIFailure.parameters([name: "property is missing and it is not optional"]) }
        return value
    }

    func int(_ name: String) throws -> Int? {
        guard let value = string(name) else { return nil }
        guard let int = Int(value) else { throw PVEAPIFailure.parameters([name: "type check ('integer') failed - got '\(value)'"]) }
        return int
    }

    func requireInt(_ name: String) throws -> Int {
        guard let value = try int(name) else { throw PVEAPIFailure.parameters([name: "property is missing and it is not optional"]) }
        return value
    }

    /// Form booleans must be exactly 0 or 1 (JSON bodies arrive here already as 0/1).
    func bool(_ name: String) throws -> Bool? {
        guard let value = string(name) else { return nil }
        switch value {
        case "1": return true
        case "0": return false
        default: throw PVEAPIFailure.parameters([name: "type check ('boolean') failed - got '\(value)'"])
        }
    }

    var node: String { path["node"] ?? "" }
}
