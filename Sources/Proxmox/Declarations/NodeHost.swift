import HomelabCore
import HostConfig

/// How HomelabKit logs in to a node over SSH, for its `HostConfiguration` and its snippets
/// (the PVE API cannot write either).
public typealias NodeSSH = SSHAccess

/// The node's own configuration as host items, applied over SSH like Ansible's pve_* roles:
/// `HostConfiguration { Roles.pveRepos(); Roles.pveIommu() }`. They appear in the plan as
/// `file.<node>/…`, `package.<node>/…` and so on, after the node itself.
public struct HostConfiguration: NodeContent {
    public var contents: [any HostContent]
    public var location: SourceLocation

    public init(
        fileID: String = #fileID, line: Int = #line, column: Int = #column,
        @DeclarationBuilder<any HostContent> _ contents: () -> DeclarationGroup<any HostContent>
    ) {
        self.contents = contents().members
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    /// Compiled by the enclosing `Node`, which owns the SSH connection.
    public func compile(on node: NodeContext, into graph: inout GraphBuilder) {}
}

/// A file in a node's snippets storage, such as cloud-init user-data for a VM's `cicustom`.
/// Written over SFTP, because the PVE API cannot upload snippets.
public struct Snippet: NodeContent {
    public var name: String
    public var content: String
    /// The directory of the storage's snippets (`local` is `/var/lib/vz`).
    public var directory: String
    public var storage: String
    public var location: SourceLocation

    public init(
        _ name: String, storage: String = "local", directory: String = "/var/lib/vz", content: String,
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.storage = storage
        self.directory = directory
        self.content = content
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    /// cloud-init user-data, rendered as `#cloud-config` YAML.
    public init(
        _ name: String, storage: String = "local", directory: String = "/var/lib/vz", cloudConfig: CloudConfig,
        fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.init(
            name, storage: storage, directory: directory, content: (try? cloudConfig.render()) ?? "", fileID: fileID, line: line,
            column: column)
    }

    /// How a VM's `cloudInitCustom` names it: `user=local:snippets/<name>`.
    public var volume: String { "\(storage):snippets/\(name)" }
    var path: String { "\(directory)/snippets/\(name)" }

    var file: File {
        File(path, content: content, mode: "0644", fileID: location.fileID, line: location.line, column: location.column)
    }

    public func compile(on node: NodeContext, into graph: inout GraphBuilder) {
        if name.isEmpty || name.contains("/") { graph.error("snippet '\(name)' must be a plain file name", at: location) }
        if content.isEmpty { graph.error("snippet \(name) is empty (or its cloud-config could not be rendered)", at: location) }
    }
}
