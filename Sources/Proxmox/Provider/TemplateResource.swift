import Foundation
import HTTP
import HomelabCore

/// A VM template. From a cloud image: the image is downloaded onto the node by PVE itself
/// (`download-url`, checksum verified), imported as the boot disk of a new VM with a cloud-init
/// drive, grown to size and converted to a template. From an ISO with autoinstall (the seed's
/// Packer way): not built yet, and says so.
enum TemplateResource: ProxmoxResource {
    static func create(_ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws -> Value {
        let node = try desired.require("node")
        let vmid = try desired.requireInt("vmid")
        let source = desired["source"] ?? .null
        if source["kind"]?.stringValue != "cloudImage" {
            throw ProviderError.notAvailable(
                provider: "proxmox",
                operation: "build a template from an ISO with autoinstall (cidata ISO, boot command, SSH provisioning)",
                issue: 4
            )
        }
        if !(desired["provisioning"]?.arrayValue ?? []).isEmpty {
            throw ProviderError.notAvailable(provider: "proxmox", operation: "run template provisioning steps over SSH", issue: 4)
        }
        let volume = try await download(source, node: node, api: api, progress: progress)
        let storage = try desired.require("diskStorage")
        var parameters: [(String, ProxmoxClient.Parameter)] = [
            ("vmid", .int(vmid)), ("name", .string(try desired.require("name"))), ("ostype", .string("l26")),
            ("cores", .int(try desired.requireInt("cores"))), ("memory", .int(try desired.requireInt("memory"))),
            ("cpu", .string(try desired.require("cpuType"))), ("scsihw", .string(try desired.require("scsiController"))),
            ("net0", .string("virtio,bridge=\(try desired.require("bridge"))")),
            ("scsi0", .string("\(storage):0,import-from=\(volume)")), ("ide2", .string("\(storage):cloudinit")),
            ("boot", .string("order=scsi0")), ("serial0", .string("socket")), ("vga", .string("serial0")),
            ("agent", .string("enabled=1")),
        ]
        if let description = desired["description"]?.stringValue { parameters.append(("description", .string(description))) }
        progress("creating VM \(vmid) from \(volume)")
        do {
            try await api.runTask(.post, "/nodes/\(node)/qemu", parameters, progress: progress)
        } catch let error as ProxmoxAPIError where error.kind == .alreadyExists {
            throw ProviderError.failed(
                "VMID \(vmid) is already used on node \(node); choose another vmid or import it with `import template.<name> \(node)/\(vmid)`"
            )
        }
        let config = try await api.get("/nodes/\(node)/qemu/\(vmid)/config")
        try await VMResource.resize(desired, current: config, api: api, progress: progress)
        progress("converting to a template")
        try await api.runTask(.post, "/nodes/\(node)/qemu/\(vmid)/template", progress: progress)
        guard let template = try await read(desired, api: api) else {
            throw ProviderError.failed("template \(vmid) vanished after it was made")
        }
        return template
    }

    /// Lets the node fetch the image into `local:import/`, unless it is already there.
    static func download(_ source: Value, node: String, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws
        -> String
    {
        let url = try source.require("url")
        guard let filename = url.split(separator: "/").last.map(String.init), !filename.isEmpty else {
            throw ProviderError.failed("cannot name the image downloaded from \(url)")
        }
        let volume = "local:import/\(filename)"
        let content = try await api.get("/nodes/\(node)/storage/local/content").arrayValue ?? []
        if content.contains(where: { $0["volid"]?.stringValue == volume }) { return volume }
        var parameters: [(String, ProxmoxClient.Parameter)] = [
            ("content", .string("import")), ("filename", .string(filename)), ("url", .string(url)),
        ]
        let checksum = try source.require("checksum")
        let parts = checksum.split(separator: ":", maxSplits: 1)
        if parts.count == 2 {
            parameters += [("checksum", .string(String(parts[1]))), ("checksum-algorithm", .string(String(parts[0])))]
        }
        progress("downloading \(filename) on \(node)")
        try await api.runTask(.post, "/nodes/\(node)/storage/local/download-url", parameters, progress: progress)
        return volume
    }

    static func read(_ prior: Value, api: ProxmoxClient) async throws -> Value? {
        let vmid = try prior.requireInt("vmid")
        let resources = try await api.get("/cluster/resources", [("type", .string("vm"))]).arrayValue ?? []
        guard let entry = resources.first(where: { $0["vmid"]?.lenientInt == vmid }), let node = entry["node"]?.stringValue else {
            return nil
        }
        let config = try await api.get("/nodes/\(node)/qemu/\(vmid)/config")
        let disk = VMResource.bootDisk(config)
        let volume = disk.flatMap { config[$0]?.stringValue } ?? ""
        let net = config["net0"]?.stringValue.map(PropertyString.init)
        let isTemplate = config["template"]?.lenientInt == 1
        return [
            "node": .string(node), "name": config["name"]?.lenientString.map(Value.string) ?? .null, "vmid": .int(vmid),
            // What it was built from cannot be read back; a half-built VM (not a template yet) is
            // shown with no source, so the plan replaces it.
            "source": isTemplate ? prior["source"] ?? .null : .null,
            "cores": .int(config["cores"]?.lenientInt ?? 1), "memory": .int(config["memory"]?.lenientString.flatMap { Int($0) } ?? 512),
            "disk": .int(Int(VMResource.gibibytes(volume) ?? 0)),
            "diskStorage": .string(volume.split(separator: ":").first.map(String.init) ?? ""),
            "bridge": net?["bridge"].map(Value.string) ?? .null,
            "cpuType": .string(
                config["cpu"]?.stringValue.map { PropertyString($0)["cputype"] ?? PropertyString($0).defaultValue ?? $0 } ?? "kvm64"),
            "scsiController": .string(config["scsihw"]?.stringValue ?? "lsi"),
            "description": config["description"]?.stringValue.map(Value.string) ?? .null,
            "provisioning": prior["provisioning"] ?? .strings([]),
        ]
    }

    static func update(
        from prior: Value, to desired: Value, changed: Set<String>, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    )
        async throws -> Value
    {
        var parameters: [(String, ProxmoxClient.Parameter)] = []
        if changed.contains("name") { parameters.append(("name", .string(try desired.require("name")))) }
        if changed.contains("description") {
            if let description = desired["description"]?.stringValue {
                parameters.append(("description", .string(description)))
            } else {
                parameters.append(("delete", .string("description")))
            }
        }
        if !parameters.isEmpty { try await api.put("\(try VMResource.path(desired))/config", parameters) }
        guard let template = try await read(desired, api: api) else { throw ProviderError.failed("template vanished during the update") }
        return template
    }

    static func delete(_ prior: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
        try await VMResource.delete(prior, api: api, progress: progress)
    }

    static func importResource(id: String, desired: Value, api: ProxmoxClient) async throws -> Value? {
        let parts = id.split(separator: "/")
        guard parts.count == 2, let vmid = Int(parts[1]) else {
            throw ProviderError.failed("a template is imported by node and VMID, such as homelabpve01/9000, not '\(id)'")
        }
        return try await read(desired.with("vmid", .int(vmid)), api: api)
    }
}
