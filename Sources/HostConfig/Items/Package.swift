import HomelabCore

/// A Debian package installed with apt, optionally pinned and held (`apt-mark hold`).
///
/// `version` may be a glob such as `1.31.4*` (the seed's `kubelet=1.31.4*`): the newest version
/// `apt-cache madison` lists that matches it is installed, and an installed version that no
/// longer matches shows as drift.
public struct Package: HostItemDeclaration {
    public var settings: PackageAttributes
    public var location: SourceLocation

    public init(
        _ name: String, version: String? = nil, hold: Bool = false,
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        settings = PackageAttributes(host: "", name: name, version: version, hold: hold)
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        let name = settings.name
        if name.isEmpty || !name.allSatisfy({ $0.isLowercase || $0.isNumber || "+-.".contains($0) }) {
            graph.error("'\(name)' is not a Debian package name", at: location)
        }
        addItem(kind: "package", name: name, type: HostTypes.package, attributes: settings, host: host, location: location, into: &graph)
    }
}

/// What a ``Package`` compiles to and ``PackageItem`` reads back.
public struct PackageAttributes: HostItemAttributes {
    public var host: String
    public var name: String
    /// The declared glob while the installed version matches it, else the installed version.
    public var version: String?
    public var hold: Bool

    /// The names the resource type's rules use, checked by the compiler.
    enum CodingKeys: String, CodingKey { case host, name, version, hold }
}
