import HomelabCore

/// What may appear inside `Host { }`: files, packages, sysctls, kernel modules, services, commands.
public protocol HostContent: Sendable {
    func compile(on host: HostContext, into graph: inout GraphBuilder)
}

extension DeclarationGroup: HostContent where Content == any HostContent {
    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        for member in members { member.compile(on: host, into: &graph) }
    }
}

public struct HostContext: Sendable {
    public var name: String
    public var address: ResourceAddress
    /// Items of one host run in declaration order, like an Ansible play.
    public var previous: ResourceAddress?

    /// The references every item of the host carries: the host, and the item before it.
    public func references(at location: SourceLocation) -> [Reference] {
        [Reference(address, at: location, purpose: "host")]
            + (previous.map { [Reference($0, at: location, purpose: "previous step")] } ?? [])
    }
}

/// A machine configured over SSH.
public struct Host: LabContent {
    public var name: String
    public var address: String
    public var user: String
    public var contents: [any HostContent]
    public var dependsOn: [String]
    public var location: SourceLocation

    public init(
        _ name: String,
        address: String,
        user: String = "root",
        dependsOn: [String] = [],
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column,
        @DeclarationBuilder<any HostContent> _ contents: () -> DeclarationGroup<any HostContent>
    ) {
        self.name = name
        self.address = address
        self.user = user
        self.dependsOn = dependsOn
        self.contents = contents().members
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public static let type = ResourceType(name: "host", provider: "host", replaceOnChange: ["address"])

    public func compile(into graph: inout GraphBuilder) {
        let hostAddress = ResourceAddress(kind: "host", name: name)
        if IPv4Address(address) == nil && address.isEmpty {
            graph.error("\(hostAddress): the host needs an address", at: location, address: hostAddress)
        }
        graph.add(
            ResourceSpec(
                address: hostAddress,
                type: Self.type,
                attributes: ["name": .string(name), "address": .string(address), "user": .string(user)],
                location: location,
                references: graph.references(dependsOn, purpose: "dependsOn", at: location)
            )
        )
        var context = HostContext(name: name, address: hostAddress, previous: nil)
        for member in Self.flatten(contents) {
            let before = graph.specs.count
            member.compile(on: context, into: &graph)
            if graph.specs.count > before, let last = graph.specs.last { context.previous = last.address }
        }
    }

    private static func flatten(_ contents: [any HostContent]) -> [any HostContent] {
        contents.flatMap { member -> [any HostContent] in
            if let group = member as? DeclarationGroup<any HostContent> { return flatten(group.members) }
            return [member]
        }
    }
}

/// Resource types of host configuration.
public enum HostTypes {
    public static let file = ResourceType(name: "host_file", provider: "host", replaceOnChange: ["path"])
    public static let package = ResourceType(name: "host_package", provider: "host", replaceOnChange: ["name"])
    public static let sysctl = ResourceType(name: "host_sysctl", provider: "host", replaceOnChange: ["key"])
    public static let kernelModule = ResourceType(name: "host_kernel_module", provider: "host", replaceOnChange: ["name"])
    public static let service = ResourceType(name: "host_service", provider: "host", replaceOnChange: ["name"])
    public static let command = ResourceType(name: "host_command", provider: "host")
}
