import Foundation
import HTTP
import HomelabCore
import HostConfig

/// A VM template. From a cloud image: the image is downloaded onto the node by PVE itself
/// (`download-url`, checksum verified), imported as the boot disk of a new VM with a cloud-init
/// drive, grown to size and converted to a template. From an ISO (the seed's Packer way): see
/// ``createFromISO(_:api:progress:)``.
enum TemplateResource: ResourceHandler {
    static let type = ProxmoxTypes.template

    static func path(_ template: TemplateAttributes) -> String { "/nodes/\(template.node)/qemu/\(template.vmid)" }

    /// The settings every build starts with.
    static func common(_ desired: TemplateAttributes) -> [(String, ProxmoxClient.Parameter)] {
        var parameters: [(String, ProxmoxClient.Parameter)] = [
            ("vmid", .int(desired.vmid)), ("ostype", .string("l26")), ("cores", .int(desired.cores)), ("memory", .int(desired.memory)),
            ("cpu", .string(desired.cpuType)), ("scsihw", .string(desired.scsiController)),
            ("net0", .string("virtio,bridge=\(desired.bridge ?? "vmbr0")")), ("agent", .string("enabled=1")),
        ]
        if let name = desired.name { parameters.append(("name", .string(name))) }
        if let description = desired.description { parameters.append(("description", .string(description))) }
        return parameters
    }

    static func create(_ request: TypedCreate<TemplateAttributes>, using api: ProxmoxClient) async throws -> TemplateAttributes {
        let (desired, progress) = (request.desired, request.progress)
        let (node, vmid) = (desired.node, desired.vmid)
        switch desired.source {
        case .iso(let url, let checksum, let storage):
            return try await createFromISO(request, url: url, checksum: checksum, isoStorage: storage, api: api)
        case .cloudImage(let url, let checksum):
            let volume = try await download(url: url, checksum: checksum, node: node, api: api, progress: progress)
            return try await createFromImage(request, volume: volume, api: api)
        case nil:
            throw ProviderError.failed("template \(vmid) has no source to build from")
        }
    }

    static func createFromImage(_ request: TypedCreate<TemplateAttributes>, volume: String, api: ProxmoxClient) async throws
        -> TemplateAttributes
    {
        let (desired, progress) = (request.desired, request.progress)
        let (node, vmid, storage) = (desired.node, desired.vmid, desired.diskStorage)
        let parameters =
            common(desired) + [
                ("scsi0", .string("\(storage):0,import-from=\(volume)")), ("ide2", .string("\(storage):cloudinit")),
                ("boot", .string("order=scsi0")), ("serial0", .string("socket")), ("vga", .string("serial0")),
            ]
        progress("creating VM \(vmid) from \(volume)")
        do {
            try await api.runTask(.post, "/nodes/\(node)/qemu", parameters, progress: progress) { _ in try request.created(desired) }
        } catch let error as ProxmoxAPIError where error.kind == .alreadyExists {
            throw ProviderError.failed(
                "VMID \(vmid) is already used on node \(node); choose another vmid or import it with `import template.<name> \(node)/\(vmid)`"
            )
        }
        let config = try await api.get("\(path(desired))/config")
        try await VMResource.resize(desired.disk, of: path(desired), current: config, api: api, progress: progress)
        return try await finish(desired, api: api, progress: progress)
    }

    /// Packer's proxmox-iso, through the API only: the node downloads the ISO (checksum verified),
    /// a `cidata` seed with the autoinstall user-data is built here and uploaded, the VM boots the
    /// installer, the boot command is typed with `sendkey`, the install powers the VM off, the
    /// media are swapped for a cloud-init drive, and the VM becomes a template.
    static func createFromISO(
        _ request: TypedCreate<TemplateAttributes>, url: String, checksum: String, isoStorage: String, api: ProxmoxClient
    ) async throws -> TemplateAttributes {
        let (desired, progress) = (request.desired, request.progress)
        let (node, vmid, name) = (desired.node, desired.vmid, desired.name ?? "template-\(desired.vmid)")
        guard let autoinstall = desired.autoinstall else {
            throw ProviderError.failed("template \(name) from an ISO has no autoinstall settings")
        }
        let iso = try await download(
            url: url, checksum: checksum, node: node, storage: isoStorage, content: "iso", api: api, progress: progress)

        let seedName = "homelabkit-\(vmid)-cidata.iso"
        let seedVolume = "\(isoStorage):iso/\(seedName)"
        let seed = CIDataImage(
            userData: try autoinstall.userData.render(),
            metaData: AutoinstallDocument.metaData(instanceID: "\(name)-\(vmid)", hostname: autoinstall.hostname)
        )
        progress("uploading the cidata seed")
        _ = try await api.waitForTask(
            try await api.upload(node: node, storage: isoStorage, content: "iso", filename: seedName, bytes: seed.bytes()))

        let storage = desired.diskStorage
        let parameters =
            common(desired) + [
                ("scsi0", .string("\(storage):\(try newDiskGiB(desired.disk)),iothread=1,discard=on,ssd=1")),
                ("ide2", .string("\(iso),media=cdrom")), ("ide3", .string("\(seedVolume),media=cdrom")),
                ("boot", .string("order=scsi0;ide2")),
            ]
        progress("creating VM \(vmid) to install into")
        do {
            try await api.runTask(.post, "/nodes/\(node)/qemu", parameters, progress: progress) { _ in try request.created(desired) }
        } catch let error as ProxmoxAPIError where error.kind == .alreadyExists {
            throw ProviderError.failed(
                "VMID \(vmid) is already used on node \(node); choose another vmid or import it with `import template.<name> \(node)/\(vmid)`"
            )
        }
        let base = path(desired)
        try await api.runTask(.post, "\(base)/status/start", progress: progress)
        try await Task.sleep(for: .seconds(desired.bootWait ?? 5))
        progress("typing the boot command")
        for step in BootCommand.steps(desired.bootCommand) {
            switch step {
            case .key(let key): try await api.put("\(base)/sendkey", [("key", .string(key))])
            case .wait(let duration): try await Task.sleep(for: duration)
            }
        }
        try await waitForPowerOff(base, api: api, progress: progress)

        progress("replacing the install media with a cloud-init drive")
        try await api.put(
            "\(base)/config", [("ide2", .string("\(storage):cloudinit")), ("boot", .string("order=scsi0")), ("delete", .string("ide3"))])
        try await api.delete("/nodes/\(node)/storage/\(isoStorage)/content/\(PVEFormEncoder.escape(seedVolume))")
        return try await finish(desired, api: api, progress: progress)
    }

    /// Converts the built VM to a template, or, when provisioning steps follow, boots it for them
    /// (`template_seal` converts it after the last step).
    static func finish(_ desired: TemplateAttributes, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws
        -> TemplateAttributes
    {
        let base = path(desired)
        if desired.provisioning != nil {
            progress("booting the installed VM for its provisioning steps")
            try await api.runTask(.post, "\(base)/status/start", progress: progress)
        } else {
            progress("converting to a template")
            try await api.runTask(.post, "\(base)/template", progress: progress)
        }
        guard var template = try await read(desired, api: api) else {
            throw ProviderError.failed("template \(desired.vmid) vanished after it was made")
        }
        // How it was built is what was asked for; the seal makes it a template.
        template.source = desired.source
        template.autoinstall = desired.autoinstall
        return template
    }

    /// The installer powers the VM off when it is done (`shutdown: poweroff`).
    static func waitForPowerOff(_ base: String, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
        progress("installing (waiting for the installer to power the VM off)")
        let deadline = ContinuousClock.now + api.options.installTimeout
        var interval = Duration.milliseconds(50)
        while try await api.get("\(base)/status/current")["status"]?.stringValue == "running" {
            if ContinuousClock.now > deadline {
                throw ProviderError.failed(
                    "the unattended install in \(base) did not finish within \(api.options.installTimeout); check the VM's console")
            }
            try await Task.sleep(for: interval)
            interval = min(interval * 2, .seconds(2))
        }
    }

    /// Lets the node fetch the image into `local:import/`, unless it is already there.
    static func download(
        url: String,
        checksum: String,
        node: String,
        storage: String = "local",
        content: String = "import",
        api: ProxmoxClient,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> String {
        guard let filename = url.split(separator: "/").last.map(String.init), !filename.isEmpty else {
            throw ProviderError.failed("cannot name the file downloaded from \(url)")
        }
        let volume = "\(storage):\(content)/\(filename)"
        let existing = try await api.get("/nodes/\(node)/storage/\(storage)/content").arrayValue ?? []
        if existing.contains(where: { $0["volid"]?.stringValue == volume }) { return volume }
        let (algorithm, digest) = try await Self.checksum(checksum, for: filename, api: api)
        let parameters: [(String, ProxmoxClient.Parameter)] = [
            ("content", .string(content)), ("filename", .string(filename)), ("url", .string(url)),
            ("checksum", .string(digest)), ("checksum-algorithm", .string(algorithm)),
        ]
        progress("downloading \(filename) on \(node)")
        try await api.runTask(.post, "/nodes/\(node)/storage/\(storage)/download-url", parameters, progress: progress)
        return volume
    }

    /// `sha256:<hex>`, or `file:<url>` of a checksum list (`SHA256SUMS`) naming `filename`; PVE
    /// verifies the download against it.
    static func checksum(_ text: String, for filename: String, api: ProxmoxClient) async throws -> (algorithm: String, digest: String) {
        if text.hasPrefix("file:") {
            let url = String(text.dropFirst(5))
            let list = try await api.fetchText(url)
            for line in list.split(separator: "\n") {
                let fields = line.split(separator: " ", maxSplits: 1)
                guard fields.count == 2 else { continue }
                let name = fields[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "*"))
                if name == filename { return (algorithm(forLength: fields[0].count), String(fields[0]).lowercased()) }
            }
            throw ProviderError.failed("\(url) lists no checksum for \(filename)")
        }
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { throw ProviderError.failed("checksum '\(text)' must be ALGORITHM:HEX or file:URL") }
        return (String(parts[0]).lowercased(), String(parts[1]).lowercased())
    }

    static func algorithm(forLength length: Int) -> String {
        switch length {
        case 32: return "md5"
        case 40: return "sha1"
        case 128: return "sha512"
        default: return "sha256"
        }
    }

    static func path(_ attributes: Value) throws -> String {
        "/nodes/\(try attributes.requireString("node"))/qemu/\(try attributes.requireInt("vmid"))"
    }

    static func read(_ request: TypedRead<TemplateAttributes>, using api: ProxmoxClient) async throws -> TemplateAttributes? {
        try await read(request.prior, api: api)
    }

    static func read(_ prior: TemplateAttributes, api: ProxmoxClient) async throws -> TemplateAttributes? {
        let vmid = prior.vmid
        let resources = try await api.get("/cluster/resources", [("type", .string("vm"))]).arrayValue ?? []
        guard let entry = resources.first(where: { $0["vmid"]?.lenientInt == vmid }), let node = entry["node"]?.stringValue else {
            return nil
        }
        let config = try await api.get("/nodes/\(node)/qemu/\(vmid)/config")
        let volume = VMResource.bootDisk(config).flatMap { config[$0]?.stringValue } ?? ""
        let isTemplate = config["template"]?.lenientInt == 1
        return TemplateAttributes(
            node: node, name: config["name"]?.lenientString, vmid: vmid,
            // What it was built from cannot be read back; a half-built VM (not a template yet) is
            // shown with no source, so the plan replaces it. PVE does not keep the install either.
            source: isTemplate ? prior.source : nil, cores: config["cores"]?.lenientInt ?? 1,
            memory: config["memory"]?.lenientString.flatMap { Int($0) } ?? 512,
            disk: VMResource.size(volume) ?? ByteSize(bytes: 0), diskStorage: volume.split(separator: ":").first.map(String.init) ?? "",
            bridge: config["net0"]?.stringValue.map(PropertyString.init)?["bridge"],
            cpuType: config["cpu"]?.stringValue.map { PropertyString($0)["cputype"] ?? PropertyString($0).defaultValue ?? $0 } ?? "kvm64",
            scsiController: config["scsihw"]?.stringValue ?? "lsi", description: config["description"]?.stringValue,
            provisioning: prior.provisioning, autoinstall: isTemplate ? prior.autoinstall : nil, bootCommand: prior.bootCommand,
            bootWait: prior.bootWait)
    }

    static func update(_ request: TypedUpdate<TemplateAttributes>, using api: ProxmoxClient) async throws -> TemplateAttributes {
        let (prior, desired) = (request.prior, request.desired)
        var parameters: [(String, ProxmoxClient.Parameter)] = []
        var deletions: [String] = []
        if prior.name != desired.name {
            if let name = desired.name { parameters.append(("name", .string(name))) } else { deletions.append("name") }
        }
        if prior.description != desired.description {
            if let description = desired.description {
                parameters.append(("description", .string(description)))
            } else {
                deletions.append("description")
            }
        }
        if !deletions.isEmpty { parameters.append(("delete", .string(deletions.joined(separator: ",")))) }
        if !parameters.isEmpty { try await api.put("\(path(desired))/config", parameters) }
        guard let template = try await read(desired, api: api) else { throw ProviderError.failed("template vanished during the update") }
        return template
    }

    static func delete(_ request: TypedDelete<TemplateAttributes>, using api: ProxmoxClient) async throws {
        try await VMResource.delete(path(request.prior), api: api, progress: request.progress)
    }

    static func importResource(_ request: TypedImport<TemplateAttributes>, using api: ProxmoxClient) async throws -> TemplateAttributes? {
        let parts = request.id.split(separator: "/")
        guard parts.count == 2, let vmid = Int(parts[1]), var prior = request.desired else {
            throw ProviderError.failed("a template is imported by node and VMID, such as homelabpve01/9000, not '\(request.id)'")
        }
        prior.vmid = vmid
        return try await read(prior, api: api)
    }

    /// A new disk's size as PVE's create takes it: GiB, with decimals when not whole
    /// (qemu-server `$NEW_DISK_RE`, `(\d+(\.\d+)?)` converted from 'gb').
    static func newDiskGiB(_ size: ByteSize) throws -> String {
        guard size.bytes > 0 else { throw ProviderError.failed("a new disk cannot be 0 bytes") }
        let gib = Double(size.bytes) / 1_073_741_824
        return gib == gib.rounded() ? String(Int(gib)) : String(gib)
    }
}
