@_exported import HTTP
@_exported import HomelabCore
@_exported import HostConfig
@_exported import Kubeadm
@_exported import Kubernetes
@_exported import Proxmox
@_exported import SSH

/// A whole homelab description: the root of the result-builder tree.
///
/// ```swift
/// let lab = Lab("homelab") {
///     Proxmox(endpoint: "https://192.168.10.2:8006", token: .environment("PROXMOX_API_TOKEN")) {
///         Node("homelabpve01") {
///             Template("ubuntu", vmid: 9000, source: .cloudImage(url: "https://…/noble.img", checksum: "sha256:…"))
///             VM("web", vmid: 200, from: "ubuntu", ip: "192.168.10.60/24")
///         }
///     }
/// }
/// let graph = try lab.compile()
/// ```
public struct Lab: Sendable {
    public var name: String
    public var contents: [any LabContent]

    public init(_ name: String, @DeclarationBuilder<any LabContent> _ contents: () -> DeclarationGroup<any LabContent>) {
        self.name = name
        self.contents = contents().members
    }

    /// Compiles and validates the description, throwing every problem found in one pass.
    public func compile() throws(Diagnostics) -> ResourceGraph {
        var builder = GraphBuilder()
        for member in contents { member.compile(into: &builder) }
        return try builder.build()
    }

    /// The providers HomelabKit ships. Operations that are not built yet fail with a clear message.
    public static var defaultProviders: ProviderRegistry {
        ProviderRegistry([
            ProxmoxProvider(),
            HostProvider(),
            KubernetesProvider(),
            KubeadmProvider(),
            DataProvider(),
        ])
    }
}
