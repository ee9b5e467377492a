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
    /// Top-level attributes a read cannot confirm right after apply: computed or defaulted by the
    /// server, or write-only. The read-back of these is not compared with what was asked (every
    /// other attribute is).
    public var notReadBack: Set<String>
    /// Whether the object is read back and compared after apply at all. `false` only for types
    /// that are actions rather than objects (a guarded command, a reboot): their read says whether
    /// to run again, and that is the next plan's question.
    public var verifiedAfterApply: Bool
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
        notReadBack: Set<String> = [],
        verifiedAfterApply: Bool = true,
        taintedRecovery: TaintedRecovery = .replace
    ) {
        self.name = name
        self.provider = provider
        self.replaceOnChange = replaceOnChange
        self.notReadBack = notReadBack
        self.verifiedAfterApply = verifiedAfterApply
        self.taintedRecovery = taintedRecovery
    }

    /// A type whose replacing attributes are named by its attribute struct's coding keys, so a
    /// misspelt name does not compile.
    public init<Key: CodingKey>(
        name: String, provider: String, replaceOnChange: [Key], notReadBack: [Key] = [], verifiedAfterApply: Bool = true,
        taintedRecovery: TaintedRecovery = .replace
    ) {
        self.init(
            name: name, provider: provider, replaceOnChange: Set(replaceOnChange.map(\.stringValue)),
            notReadBack: Set(notReadBack.map(\.stringValue)), verifiedAfterApply: verifiedAfterApply, taintedRecovery: taintedRecovery)
    }

    public var description: String { name }

    private enum CodingKeys: String, CodingKey { case name, provider, replaceOnChange, notReadBack, verifiedAfterApply, taintedRecovery }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        provider = try container.decode(String.self, forKey: .provider)
        replaceOnChange = try container.decodeIfPresent(Set<String>.self, forKey: .replaceOnChange) ?? []
        notReadBack = try container.decodeIfPresent(Set<String>.self, forKey: .notReadBack) ?? []
        verifiedAfterApply = try container.decodeIfPresent(Bool.self, forKey: .verifiedAfterApply) ?? true
        taintedRecovery = try container.decodeIfPresent(TaintedRecovery.self, forKey: .taintedRecovery) ?? .replace
    }
}
