import Foundation
import HTTP
import HomelabCore

/// The end of a provisioned template's build: the VM is shut down cleanly (so the steps' writes
/// reach the disk) and converted to a template. Read back as present while the VM is a template.
enum TemplateSealResource: ProxmoxResource {
    static let type = ProxmoxTypes.templateSeal

    static func read(_ prior: Value, api: ProxmoxClient) async throws -> Value? {
        let path = "/nodes/\(try prior.requireString("node"))/qemu/\(try prior.requireInt("vmid"))"
        guard let config = try await api.getIfPresent("\(path)/config") else { return nil }
        return config["template"]?.lenientInt == 1 ? prior : nil
    }

    static func create(
        _ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        created: @escaping @Sendable (Value) throws -> Void
    ) async throws -> Value {
        let base = "/nodes/\(try desired.requireString("node"))/qemu/\(try desired.requireInt("vmid"))"
        let status = try await api.get("\(base)/status/current")
        if status["status"]?.stringValue == "running" {
            progress("shutting the build VM down")
            try await api.runTask(.post, "\(base)/status/shutdown", [("timeout", .int(180)), ("forceStop", .int(1))], progress: progress)
        }
        progress("converting to a template")
        try await api.runTask(.post, "\(base)/template", progress: progress)
        return desired
    }

    static func update(
        from prior: Value, to desired: Value, changed: Set<String>, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    ) async throws -> Value { desired }

    /// Nothing to undo: deleting the template removes the VM.
    static func delete(_ prior: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {}

    static func importResource(id: String, desired: Value, api: ProxmoxClient) async throws -> Value? { try await read(desired, api: api) }
}
