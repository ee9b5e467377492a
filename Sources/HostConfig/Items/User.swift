import HomelabCore

/// A local user account (`useradd`/`usermod`). Unset fields are left as the system chooses.
public struct User: HostItemDeclaration {
    public var settings: UserAttributes
    public var location: SourceLocation

    public init(
        _ name: String, uid: Int? = nil, group: String? = nil, groups: [String] = [], shell: String? = nil, home: String? = nil,
        system: Bool = false, fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        settings = UserAttributes(
            host: "", name: name, uid: uid, group: group, groups: groups.sorted(), shell: shell, home: home, system: system)
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        let name = settings.name
        if !AccountName.isValid(name) { graph.error("'\(name)' is not a valid user name", at: location) }
        for group in settings.groups + (settings.group.map { [$0] } ?? []) where !AccountName.isValid(group) {
            graph.error("user \(name): '\(group)' is not a valid group name", at: location)
        }
        addItem(kind: "user", name: name, type: HostTypes.user, attributes: settings, host: host, location: location, into: &graph)
    }
}

/// What a ``User`` compiles to and ``UserItem`` reads back. Fields left `nil` are the system's to
/// choose and are not compared.
public struct UserAttributes: HostItemAttributes {
    public var host: String
    public var name: String
    public var uid: Int?
    /// The primary group.
    public var group: String?
    /// Supplementary groups (exactly these), sorted.
    public var groups: [String]
    public var shell: String?
    public var home: String?
    public var system: Bool

    enum CodingKeys: String, CodingKey { case host, name, uid, group, groups, shell, home, system }
}

/// A local group (`groupadd`/`groupmod`).
public struct Group: HostItemDeclaration {
    public var settings: GroupAttributes
    public var location: SourceLocation

    public init(_ name: String, gid: Int? = nil, system: Bool = false, fileID: String = #fileID, line: Int = #line, column: Int = #column) {
        settings = GroupAttributes(host: "", name: name, gid: gid, system: system)
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        let name = settings.name
        if !AccountName.isValid(name) { graph.error("'\(name)' is not a valid group name", at: location) }
        addItem(kind: "group", name: name, type: HostTypes.group, attributes: settings, host: host, location: location, into: &graph)
    }
}

/// What a ``Group`` compiles to and ``GroupItem`` reads back.
public struct GroupAttributes: HostItemAttributes {
    public var host: String
    public var name: String
    public var gid: Int?
    public var system: Bool

    enum CodingKeys: String, CodingKey { case host, name, gid, system }
}

/// The names `useradd` accepts by default on Debian.
enum AccountName {
    static func isValid(_ name: String) -> Bool {
        guard let first = name.first, first.isLowercase || first == "_", name.count <= 32 else { return false }
        return name.allSatisfy { $0.isLowercase || $0.isNumber || "_-".contains($0) } && name.allSatisfy(\.isASCII)
    }
}
