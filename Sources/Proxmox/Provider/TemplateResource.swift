import Foundation
import HTTP
import HomelabCore

/// A VM template. From a cloud image: the image is downloaded onto the node by PVE itself
/// (`download-url`, checksum verified), imported as the boot disk of a new VM with a cloud-init
/// drive, grown to size and converted to a template. From an ISO (the seed's Packer way): see
/// ``createFromISO(_:api:progress:)``.
enum TemplateResource: ProxmoxResource {
    static let type = ProxmoxTypes.template

    static func create(
        _ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        created: @escaping @Sendable (Value) throws -> Void
    ) async throws -> Value {
        let node = try desired.requireString("node")
        let vmid = try desired.requireInt("vmid")
        let source = desired["source"] ?? .null
        if source["kind"]?.stringValue == "iso" {
            return try await createFromISO(desired, api: api, progress: progress, created: created)
        }
        let volume = try await download(source, node: node, api: api, progress: progress)
        let storage = try desired.requireString("diskStorage")
        var parameters: [(String, ProxmoxClient.Parameter)] = [
            ("vmid", .int(vmid)), ("name", .string(try desired.requireString("name"))), ("ostype", .string("l26")),
            ("cores", .int(try desired.requireInt("cores"))), ("memory", .int(try desired.requireInt("memory"))),
            ("cpu", .string(try desired.requireString("cpuType"))), ("scsihw", .string(try desired.requireString("scsiController"))),
            ("net0", .string("virtio,bridge=\(try desired.requireString("bridge"))")),
            ("scsi0", .string("\(storage):0,import-from=\(volume)")), ("ide2", .string("\(storage):cloudinit")),
            ("boot", .string("order=scsi0")), ("serial0", .string("socket")), ("vga", .string("serial0")),
            ("agent", .string("enabled=1")),
        ]
        if let description = desired["description"]?.stringValue { parameters.append(("description", .string(description))) }
        progress("creating VM \(vmid) from \(volume)")
        do {
            try await api.runTask(.post, "/nodes/\(node)/qemu", parameters, progress: progress) { _ in try created(desired) }
        } catch let error as ProxmoxAPIError where error.kind == .alreadyExists {
            throw ProviderError.failed(
                "VMID \(vmid) is already used on node \(node); choose another vmid or import it with `import template.<name> \(node)/\(vmid)`"
            )
        }
        let config = try await api.get("/nodes/\(node)/qemu/\(vmid)/config")
        guard let disk = ByteSize(pveSize: try desired.requireString("disk")) else {
            throw ProviderError.failed("disk size is not a PVE size")
        }
        try await VMResource.resize(disk, of: "/nodes/\(node)/qemu/\(vmid)", current: config, api: api, progress: progress)
        return try await finish(desired, api: api, progress: progress)
    }

    /// Packer's proxmox-iso, through the API only: the node downloads the ISO (checksum verified),
    /// a `cidata` seed with the autoinstall user-data is built here and uploaded, the VM boots the
    /// installer, the boot command is typed with `sendkey`, the install powers the VM off, the
    /// media are swapped for a cloud-init drive, and the VM becomes a template.
    static func createFromISO(
        _ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void,
        created: @escaping @Sendable (Value) throws -> Void
    ) async throws -> Value {
        let node = try desired.requireString("node")
        let vmid = try desired.requireInt("vmid")
        let name = try desired.requireString("name")
        let source = desired["source"] ?? .null
        let isoStorage = try source.requireString("storage")
        guard let autoinstall = desired["autoinstall"], autoinstall != .null else {
            throw ProviderError.failed("template \(name) from an ISO has no autoinstall settings")
        }
        let iso = try await download(source, node: node, storage: isoStorage, content: "iso", api: api, progress: progress)

        let seedName = "homelabkit-\(vmid)-cidata.iso"
        let seedVolume = "\(isoStorage):iso/\(seedName)"
        let seed = CIDataImage(
            userData: try AutoinstallDocument.userData(autoinstall),
            metaData: AutoinstallDocument.metaData(instanceID: "\(name)-\(vmid)", hostname: try autoinstall.requireString("hostname"))
        )
        progress("uploading the cidata seed")
        _ = try await api.waitForTask(
            try await api.upload(node: node, storage: isoStorage, content: "iso", filename: seedName, bytes: seed.bytes()))

        let storage = try desired.requireString("diskStorage")
        var parameters: [(String, ProxmoxClient.Parameter)] = [
            ("vmid", .int(vmid)), ("name", .string(name)), ("ostype", .string("l26")),
            ("cores", .int(try desired.requireInt("cores"))), ("memory", .int(try desired.requireInt("memory"))),
            ("cpu", .string(try desired.requireString("cpuType"))), ("scsihw", .string(try desired.requireString("scsiController"))),
            ("scsi0", .string("\(storage):\(try newDiskGiB(desired)),iothread=1,discard=on,ssd=1")),
            ("ide2", .string("\(iso),media=cdrom")), ("ide3", .string("\(seedVolume),media=cdrom")),
            ("net0", .string("virtio,bridge=\(try desired.requireString("bridge"))")), ("agent", .string("enabled=1")),
            ("boot", .string("order=scsi0;ide2")),
        ]
        if let description = desired["description"]?.stringValue { parameters.append(("description", .string(description))) }
        progress("creating VM \(vmid) to install into")
        do {
            try await api.runTask(.post, "/nodes/\(node)/qemu", parameters, progress: progress) { _ in try created(desired) }
        } catch let error as ProxmoxAPIError where error.kind == .alreadyExists {
            throw ProviderError.failed(
                "VMID \(vmid) is already used on node \(node); choose another vmid or import it with `import template.<name> \(node)/\(vmid)`"
            )
        }
        let base = "/nodes/\(node)/qemu/\(vmid)"
        try await api.runTask(.post, "\(base)/status/start", progress: progress)
        try await Task.sleep(for: .seconds(desired["bootWait"]?.intValue ?? 5))
        progress("typing the boot command")
        for step in BootCommand.steps((desired["bootCommand"]?.arrayValue ?? []).compactMap(\.stringValue)) {
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
    static func finish(_ desired: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws -> Value {
        let base = "/nodes/\(try desired.requireString("node"))/qemu/\(try desired.requireInt("vmid"))"
        if desired["provisioning"]?.stringValue != nil {
            progress("booting the installed VM for its provisioning steps")
            try await api.runTask(.post, "\(base)/status/start", progress: progress)
        } else {
            progress("converting to a template")
            try await api.runTask(.post, "\(base)/template", progress: progress)
        }
        guard let template = try await read(desired, api: api) else {
            throw ProviderError.failed("template \(try desired.requireInt("vmid")) vanished after it was made")
        }
        // How it was built is what was asked for; the seal makes it a template.
        return template.with("source", desired["source"] ?? .null).with("autoinstall", desired["autoinstall"] ?? .null)
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
        _ source: Value,
        node: String,
        storage: String = "local",
        content: String = "import",
        api: ProxmoxClient,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> String {
        let url = try source.requireString("url")
        guard let filename = url.split(separator: "/").last.map(String.init), !filename.isEmpty else {
            throw ProviderError.failed("cannot name the file downloaded from \(url)")
        }
        let volume = "\(storage):\(content)/\(filename)"
        let existing = try await api.get("/nodes/\(node)/storage/\(storage)/content").arrayValue ?? []
        if existing.contains(where: { $0["volid"]?.stringValue == volume }) { return volume }
        let (algorithm, digest) = try await checksum(try source.requireString("checksum"), for: filename, api: api)
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
            "disk": .string(VMResource.size(volume)?.pveSize ?? "0"),
            "diskStorage": .string(volume.split(separator: ":").first.map(String.init) ?? ""),
            "bridge": net?["bridge"].map(Value.string) ?? .null,
            "cpuType": .string(
                config["cpu"]?.stringValue.map { PropertyString($0)["cputype"] ?? PropertyString($0).defaultValue ?? $0 } ?? "kvm64"),
            "scsiController": .string(config["scsihw"]?.stringValue ?? "lsi"),
            "description": config["description"]?.stringValue.map(Value.string) ?? .null,
            "provisioning": prior["provisioning"] ?? .null,
            // How it was built is not kept by PVE either.
            "autoinstall": isTemplate ? prior["autoinstall"] ?? .null : .null,
            "bootCommand": prior["bootCommand"] ?? .strings([]), "bootWait": prior["bootWait"] ?? .null,
        ]
    }

    static func update(
        from prior: Value, to desired: Value, changed: Set<String>, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void
    )
        async throws -> Value
    {
        var parameters: [(String, ProxmoxClient.Parameter)] = []
        if changed.contains("name") { parameters.append(("name", .string(try desired.requireString("name")))) }
        if changed.contains("description") {
            if let description = desired["description"]?.stringValue {
                parameters.append(("description", .string(description)))
            } else {
                parameters.append(("delete", .string("description")))
            }
        }
        if !parameters.isEmpty { try await api.put("\(try path(desired))/config", parameters) }
        guard let template = try await read(desired, api: api) else { throw ProviderError.failed("template vanished during the update") }
        return template
    }

    static func delete(_ prior: Value, api: ProxmoxClient, progress: @escaping @Sendable (String) -> Void) async throws {
        try await VMResource.delete(try path(prior), api: api, progress: progress)
    }

    static func importResource(id: String, desired: Value, api: ProxmoxClient) async throws -> Value? {
        let parts = id.split(separator: "/")
        guard parts.count == 2, let vmid = Int(parts[1]) else {
            throw ProviderError.failed("a template is imported by node and VMID, such as homelabpve01/9000, not '\(id)'")
        }
        return try await read(desired.with("vmid", .int(vmid)), api: api)
    }

    /// A new disk's size as PVE's create takes it: GiB, with decimals when not whole
    /// (qemu-server `$NEW_DISK_RE`, `(\d+(\.\d+)?)` converted from 'gb').
    static func newDiskGiB(_ desired: Value) throws -> String {
        let declared = try desired.requireString("disk")
        guard let size = ByteSize(pveSize: declared), size.bytes > 0 else {
            throw ProviderError.failed("disk size '\(declared)' is not a PVE size")
        }
        let gib = Double(size.bytes) / 1_073_741_824
        return gib == gib.rounded() ? String(Int(gib)) : String(gib)
    }
}
