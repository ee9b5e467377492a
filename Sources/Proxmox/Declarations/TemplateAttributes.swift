import HomelabCore

/// A template's attributes: what ``Template`` compiles to and ``TemplateResource`` builds and reads.
public struct TemplateAttributes: Codable, Sendable, Equatable {
    public var node: String
    public var name: String?
    public var vmid: Int
    /// What it was built from; PVE does not keep it, so a read carries the stored one over.
    public var source: Template.Source?
    public var cores: Int
    /// In MiB.
    public var memory: Int
    public var disk: ByteSize
    public var diskStorage: String
    public var bridge: String?
    public var cpuType: String
    public var scsiController: String
    public var description: String?
    /// The digest of the provisioning steps, when the template has any.
    public var provisioning: String?
    public var autoinstall: Autoinstall?
    public var bootCommand: [String]
    /// Seconds between the installer's start and the boot command.
    public var bootWait: Int?

    enum CodingKeys: String, CodingKey {
        case node, name, vmid, source, cores, memory, disk, diskStorage, bridge, cpuType, scsiController, description
        case provisioning, autoinstall, bootCommand, bootWait
    }
}

/// A provisioned template's seal (``TemplateSealResource``).
public struct TemplateSealAttributes: Codable, Sendable, Equatable {
    public var node: String
    public var vmid: Int
    public var provisioning: String
    enum CodingKeys: String, CodingKey { case node, vmid, provisioning }
}

/// In attributes a source is `{kind, url, checksum, storage}` (`kind` is `iso` or `cloudImage`).
extension Template.Source: Codable {
    enum CodingKeys: String, CodingKey { case kind, url, checksum, storage }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let url = try container.decode(String.self, forKey: .url)
        let checksum = try container.decode(String.self, forKey: .checksum)
        switch try container.decode(String.self, forKey: .kind) {
        case "iso": self = .iso(url: url, checksum: checksum, storage: try container.decode(String.self, forKey: .storage))
        case "cloudImage": self = .cloudImage(url: url, checksum: checksum)
        case let kind:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "'\(kind)' is not iso or cloudImage")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .iso(let url, let checksum, let storage):
            try container.encode("iso", forKey: .kind)
            try container.encode(url, forKey: .url)
            try container.encode(checksum, forKey: .checksum)
            try container.encode(storage, forKey: .storage)
        case .cloudImage(let url, let checksum):
            try container.encode("cloudImage", forKey: .kind)
            try container.encode(url, forKey: .url)
            try container.encode(checksum, forKey: .checksum)
        }
    }
}
