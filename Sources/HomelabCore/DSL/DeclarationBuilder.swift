/// What may appear at the top level of a `Lab { }`.
public protocol LabContent: Sendable {
    /// Adds this declaration's resources (and those of its children) to `graph`.
    func compile(into graph: inout GraphBuilder)
}

/// The members of one builder body, flattened.
///
/// The builder is generic only over the context protocol, fixed where a container declares its
/// parameter (`@DeclarationBuilder<any NodeContent>`), so the compiler never infers it from the
/// body: that keeps type-checking linear in the number of lines.
@_documentation(visibility: internal)
public struct DeclarationGroup<Content: Sendable>: Sendable {
    public var members: [Content]

    public init(_ members: [Content]) { self.members = members }
}

/// A result builder in the style of Plot: every line is an existential of the context protocol,
/// and `if`, `if let`, `switch` and `for` are supported.
@resultBuilder
public enum DeclarationBuilder<Content: Sendable> {
    public static func buildBlock(_ members: Content...) -> DeclarationGroup<Content> {
        DeclarationGroup(members)
    }
    public static func buildOptional(_ group: DeclarationGroup<Content>?) -> DeclarationGroup<Content> {
        group ?? DeclarationGroup([])
    }
    public static func buildEither(first group: DeclarationGroup<Content>) -> DeclarationGroup<Content> { group }
    public static func buildEither(second group: DeclarationGroup<Content>) -> DeclarationGroup<Content> { group }
    public static func buildArray(_ groups: [DeclarationGroup<Content>]) -> DeclarationGroup<Content> {
        DeclarationGroup(groups.flatMap(\.members))
    }
    public static func buildLimitedAvailability(_ group: DeclarationGroup<Content>) -> DeclarationGroup<Content> {
        group
    }
}

/// Lets a `@DeclarationBuilder<any LabContent>` property be used as one line of another body.
extension DeclarationGroup: LabContent where Content == any LabContent {
    public func compile(into graph: inout GraphBuilder) {
        for member in members { member.compile(into: &graph) }
    }
}

extension GraphBuilder {
    /// Turns user-written addresses (`"vm.web"`) into references, reporting malformed ones.
    public mutating func references(
        _ addresses: [String],
        purpose: String,
        at location: SourceLocation
    ) -> [Reference] {
        addresses.compactMap { text in
            guard let address = ResourceAddress(parsing: text) else {
                error("'\(text)' is not a resource address; write kind.name, such as vm.web", at: location)
                return nil
            }
            return Reference(address, at: location, purpose: purpose)
        }
    }
}
