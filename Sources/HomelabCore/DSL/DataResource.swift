/// A resource that only stores values, like Terraform's `terraform_data`.
///
/// Its `input` is stored and echoed as `output` after apply. A change of `triggersReplace` replaces
/// it, and resources that list it in `replaceTriggeredBy` are replaced with it.
public struct DataResource: LabContent {
    public static let type = ResourceType(name: "homelab_data", provider: "homelab", replaceOnChange: ["triggersReplace"])

    public var name: String
    public var input: Value
    public var triggersReplace: Value
    public var dependsOn: [String]
    public var replaceTriggeredBy: [String]
    public var location: SourceLocation

    public init(
        _ name: String,
        input: Value = .null,
        triggersReplace: Value = .null,
        dependsOn: [String] = [],
        replaceTriggeredBy: [String] = [],
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        self.name = name
        self.input = input
        self.triggersReplace = triggersReplace
        self.dependsOn = dependsOn
        self.replaceTriggeredBy = replaceTriggeredBy
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public var address: ResourceAddress { ResourceAddress(kind: "data", name: name) }

    public func compile(into graph: inout GraphBuilder) {
        if name.isEmpty { graph.error("a data resource needs a name", at: location) }
        graph.add(
            ResourceSpec(
                address: address,
                type: Self.type,
                attributes: ["input": input, "triggersReplace": triggersReplace, "output": .unknown],
                location: location,
                references: graph.references(dependsOn, purpose: "dependsOn", at: location),
                replaceTriggeredBy: graph.references(replaceTriggeredBy, purpose: "replaceTriggeredBy", at: location)
            )
        )
    }
}

/// A named value shown after apply and by `output`.
public struct Output: LabContent {
    public var spec: OutputSpec

    /// A fixed value.
    public init(
        _ name: String,
        value: Value,
        sensitive: Bool = false,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        spec = OutputSpec(
            name: name,
            source: .value(value),
            sensitive: sensitive || value.containsSensitive,
            location: SourceLocation(fileID: fileID, line: line, column: column)
        )
    }

    /// An attribute of a resource (`"vm.web"`, `"ip"`), read from state after apply.
    public init(
        _ name: String,
        resource: String,
        attribute: String,
        sensitive: Bool = false,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column
    ) {
        let location = SourceLocation(fileID: fileID, line: line, column: column)
        let address = ResourceAddress(parsing: resource) ?? ResourceAddress(kind: "", name: resource)
        let path = ValuePath(attribute.split(separator: ".").map { .key(String($0)) })
        spec = OutputSpec(name: name, source: .attribute(address, path), sensitive: sensitive, location: location)
    }

    public func compile(into graph: inout GraphBuilder) {
        if spec.name.isEmpty { graph.error("an output needs a name", at: spec.location) }
        graph.add(spec)
    }
}
