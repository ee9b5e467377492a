/// What a VM is cloned from: a `Template` declared on the same node (by value, or by its name as
/// a string literal), or a template that already exists on the node and that this description
/// does not manage.
///
/// Deliberately not `Equatable`: every `Equatable` string-literal type adds to what the type
/// checker tries for each `x == "literal"` in a user's description and tests.
///
/// ```swift
/// let base = Template("ubuntu", vmid: 9000, source: …)
/// VM("web", vmid: 200, from: base, ip: …)                       // the declared template
/// VM("db", vmid: 201, from: "ubuntu", ip: …)                    // the same, by name
/// VM("ci", vmid: 202, from: .existing("golden-image"), ip: …)   // found on the node by name
/// VM("old", vmid: 203, from: .existing(vmid: 9100), ip: …)      // or by VMID
/// ```
public struct TemplateReference: Sendable, ExpressibleByStringLiteral {
    enum Target: Sendable {
        case declared(String)
        case existing(String)
        case existingVMID(Int)
    }
    let target: Target

    public init(stringLiteral name: String) { target = .declared(name) }
    public init(_ template: Template) { target = .declared(template.name) }
    private init(_ target: Target) { self.target = target }

    /// A template on the node, not managed by this description, found by its name when the VM is cloned.
    public static func existing(_ name: String) -> TemplateReference { TemplateReference(.existing(name)) }
    /// A template on the node, not managed by this description, by its VMID.
    public static func existing(vmid: Int) -> TemplateReference { TemplateReference(.existingVMID(vmid)) }

    /// The template's name, where it has one.
    public var name: String? {
        switch target {
        case .declared(let name), .existing(let name): return name
        case .existingVMID: return nil
        }
    }
}
