/// What the planner needs to know about a kind of resource: which provider handles it and which
/// attribute changes cannot be made in place.
public struct ResourceType: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A unique name such as `proxmox_vm`.
    public var name: String
    /// The provider that implements its operations, such as `proxmox`.
    public var provider: String
    /// Top-level attributes whose change forces a replacement (delete, then create).
    public var replaceOnChange: Set<String>

    public init(name: String, provider: String, replaceOnChange: Set<String> = []) {
        self.name = name
        self.provider = provider
        self.replaceOnChange = replaceOnChange
    }

    public var description: String { name }
}
