import HomelabKit

/// A record's attributes: named once, here, for the declaration and the handler.
public struct HostsRecordAttributes: Codable, Sendable, Equatable {
    public var name: String
    public var ip: String
    enum CodingKeys: String, CodingKey { case name, ip }
}

/// A name → IP line in a hosts-style file: a resource type HomelabKit does not ship.
public struct HostsRecord: LabContent {
    public static let type = ResourceType(
        name: "hosts_record", provider: "hosts", replaceOnChange: [HostsRecordAttributes.CodingKeys.name])

    public var name: String
    public var ip: String
    public var location: HomelabCore.SourceLocation

    public init(_ name: String, ip: String, fileID: String = #fileID, line: Int = #line, column: Int = #column) {
        self.name = name
        self.ip = ip
        self.location = HomelabCore.SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(into graph: inout GraphBuilder) {
        let address = ResourceAddress(kind: "hosts", name: name)
        if IPv4Address(ip) == nil {
            graph.error("\(address): '\(ip)' is not an IPv4 address", at: location, address: address)
        }
        graph.add(
            ResourceSpec(
                address: address,
                type: Self.type,
                attributes: HostsRecordAttributes(name: name, ip: ip),
                location: location
            )
        )
    }
}
