import HomelabCore

/// Adds one host item as a resource named `<kind>.<host>/<name>`.
func addItem(
    kind: String,
    name: String,
    type: ResourceType,
    attributes: some HostItemAttributes,
    host: HostContext,
    location: SourceLocation,
    into graph: inout GraphBuilder
) {
    let address = ResourceAddress(kind: kind, name: "\(host.name)/\(name)")
    if name.isEmpty { graph.error("\(kind) on \(host.name) needs a name", at: location, address: address) }
    var attributes = attributes
    attributes.host = host.name
    graph.add(
        ResourceSpec(
            address: address,
            type: type,
            attributes: attributes,
            location: location,
            references: host.references(at: location),
            replaceTriggeredBy: host.replaceTriggeredBy.map { Reference($0, at: location, purpose: "replaceTriggeredBy") },
            providerConfiguration: host.configurationKey
        )
    )
}

/// An item whose changes other items can watch: a `Service` restarts and a `Reboot` happens
/// when the watched file's declared content changes (Ansible's handlers, decided at plan time).
public protocol WatchableContent: HostContent {
    var watchedPath: String { get }
    /// Changes whenever what the item writes changes.
    var watchDigest: String { get }
}

extension HostContext {
    /// One digest over the watched files, or null when nothing is watched. Paths that no earlier
    /// item of this host writes are reported at the watcher's line.
    func digest(watching paths: [String], by watcher: String, at location: SourceLocation, into graph: inout GraphBuilder) -> String? {
        guard !paths.isEmpty else { return nil }
        var parts: [String] = []
        for path in paths {
            guard let digest = watched[path] else {
                graph.error("\(watcher) watches \(path), but no File or Line before it on \(name) writes that path", at: location)
                continue
            }
            parts.append("\(path)=\(digest)")
        }
        return ContentDigest.sha256(parts.joined(separator: "\n"))
    }
}

/// A host item declared by its attributes: each attribute is named once, in the attribute struct,
/// and read through the declaration (`file.path`, `package.version`).
@dynamicMemberLookup
public protocol HostItemDeclaration: HostContent {
    associatedtype Attributes: HostItemAttributes
    /// What the item compiles to; `host` is filled in at compile.
    var settings: Attributes { get set }
    var location: SourceLocation { get }
}

extension HostItemDeclaration {
    public subscript<T>(dynamicMember keyPath: WritableKeyPath<Attributes, T>) -> T {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }
}
