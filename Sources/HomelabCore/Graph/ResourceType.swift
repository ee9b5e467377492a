/// What the planner needs to know about a kind of resource: which provider handles it, which
/// attribute changes cannot be made in place, what the server decides, and how a half-made object
/// is recovered.
public struct ResourceType: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A unique name such as `proxmox_vm`.
    public var name: String
    /// The provider that implements its operations, such as `proxmox`.
    public var provider: String
    /// Top-level attributes whose change forces a replacement (delete, then create).
    public var replaceOnChange: Set<String>
    /// Top-level attributes the server computes or normalizes: after an apply, the read-back of
    /// these is not compared with what was asked (every other attribute is).
    public var serverDecided: Set<String>
    /// What the next apply does with an object whose create failed after it existed (tainted).
    public var taintedRecovery: TaintedRecovery

    public enum TaintedRecovery: String, Sendable, Hashable, Codable {
        /// Delete it and create it again (Terraform's behaviour; right when a half-made object
        /// cannot be trusted, such as a VM whose clone failed midway).
        case replace
        /// Update it in place to the description (right when every step of the create is an
        /// idempotent update of an object that is whole once it exists).
        case finish
    }

    public init(
        name: String,
        provider: String,
        replaceOnChange: Set<String> = [],
        serverDecided: Set<String> = [],
        taintedRecovery: TaintedRecovery = .replace
    ) {
        self.name = name
        self.provider = provider
        self.replaceOnChange = replaceOnChange
        self.serverDecided = serverDecided
        self.taintedRecovery = taintedRecovery
    }

    public var description: String { name }

    private enum CodingKeys: String, CodingKey { case name, provider, replaceOnChange, serverDecided, taintedRecovery }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        provider = try container.decode(String.self, forKey: .provider)
        replaceOnChange = try container.decodeIfPresent(Set<String>.self, forKey: .replaceOnChange) ?? []
        serverDecided = try container.decodeIfPresent(Set<String>.self, forKey: .serverDecided) ?? []
        taintedRecovery = try container.decodeIfPresent(TaintedRecovery.self, forKey: .taintedRecovery) ?? .replace
    }
}
