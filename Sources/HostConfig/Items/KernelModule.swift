import HomelabCore

/// A kernel module, loaded now (`modprobe`) and persisted as a line in a file under
/// `/etc/modules-load.d` (or `/etc/modules`, as the seed's pve_iommu role does).
public struct KernelModule: HostItemDeclaration {
    public var settings: KernelModuleAttributes
    public var location: SourceLocation

    public init(
        _ name: String, file: String = "/etc/modules-load.d/homelabkit.conf",
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        settings = KernelModuleAttributes(host: "", name: name, file: file, loaded: true, persisted: true)
        location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public func compile(on host: HostContext, into graph: inout GraphBuilder) {
        let name = settings.name
        if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            graph.error("'\(name)' is not a kernel module name", at: location)
        }
        addItem(
            kind: "module", name: name, type: HostTypes.kernelModule, attributes: settings, host: host, location: location, into: &graph)
    }
}

/// What a ``KernelModule`` compiles to and ``KernelModuleItem`` reads back.
public struct KernelModuleAttributes: HostItemAttributes {
    public var host: String
    public var name: String
    public var file: String
    /// Whether it is loaded (always wanted).
    public var loaded: Bool
    /// Whether the module is listed in the file (always wanted).
    public var persisted: Bool

    /// The names the resource type's rules use, checked by the compiler.
    enum CodingKeys: String, CodingKey { case host, name, file, loaded, persisted }
}
