import Foundation
import HTTP
import HomelabCore

/// The end of a provisioned template's build: the VM is shut down cleanly (so the steps' writes
/// reach the disk) and converted to a template. Read back as present while the VM is a template.
enum TemplateSealResource: ResourceHandler {
    static let type = ProxmoxTypes.templateSeal

    static func path(_ seal: TemplateSealAttributes) -> String { "/nodes/\(seal.node)/qemu/\(seal.vmid)" }

    static func read(_ request: TypedRead<TemplateSealAttributes>, using api: ProxmoxClient) async throws -> TemplateSealAttributes? {
        try await read(request.prior, api: api)
    }

    static func read(_ prior: TemplateSealAttributes, api: ProxmoxClient) async throws -> TemplateSealAttributes? {
        guard let config = try await api.getIfPresent("\(path(prior))/config") else { return nil }
        return config["template"]?.lenientInt == 1 ? prior : nil
    }

    static func create(_ request: TypedCreate<TemplateSealAttributes>, using api: ProxmoxClient) async throws -> TemplateSealAttributes {
        let (base, progress) = (path(request.desired), request.progress)
        let status = try await api.get("\(base)/status/current")
        if status["status"]?.stringValue == "running" {
            progress("shutting the build VM down")
            try await api.runTask(.post, "\(base)/status/shutdown", [("timeout", .int(180)), ("forceStop", .int(1))], progress: progress)
        }
        progress("converting to a template")
        try await api.runTask(.post, "\(base)/template", progress: progress)
        return request.desired
    }

    static func update(_ request: TypedUpdate<TemplateSealAttributes>, using api: ProxmoxClient) async throws -> TemplateSealAttributes {
        request.desired
    }

    /// Nothing to undo: deleting the template removes the VM.
    static func delete(_ request: TypedDelete<TemplateSealAttributes>, using api: ProxmoxClient) async throws {}

    static func importResource(_ request: TypedImport<TemplateSealAttributes>, using api: ProxmoxClient) async throws
        -> TemplateSealAttributes?
    {
        guard let desired = request.desired else { return nil }
        return try await read(desired, api: api)
    }
}
