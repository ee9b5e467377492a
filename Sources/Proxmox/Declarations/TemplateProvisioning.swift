import Foundation
import HomelabCore
import HostConfig

/// Packer's provisioners: host items run over SSH on the freshly installed template VM before it
/// is shut down and sealed as a template. They appear in the plan as `<kind>.<template>/…`
/// between `template.<name>` and `template_seal.<name>`, and are redone whenever the template
/// is rebuilt (a change to them rebuilds it, as a Packer template change would).
public struct TemplateProvisioning: Sendable {
    /// Where the build VM answers SSH during provisioning (a static address from the install,
    /// or a DHCP reservation for its MAC).
    public var address: String
    public var access: SSHAccess
    public var steps: [any HostContent]

    public init(
        address: String, user: String = "root", port: Int = 22, login: HostLogin = .agent,
        trust: HostTrust = .knownHosts("~/.ssh/known_hosts"), via jumpHosts: [JumpHost] = [],
        @DeclarationBuilder<any HostContent> steps: () -> DeclarationGroup<any HostContent>
    ) {
        self.address = address
        self.access = SSHAccess(user: user, port: port, login: login, trust: trust, via: jumpHosts)
        self.steps = steps().members
    }

    /// Compiles the build host and its steps; returns a digest of what they do and the last step.
    func compile(for template: ResourceAddress, name: String, at location: SourceLocation, into graph: inout GraphBuilder)
        -> (digest: String, last: ResourceAddress?)
    {
        var host = Host(
            name, address: address, access: access, dependsOn: [template.description], fileID: location.fileID, line: location.line,
            column: location.column
        ) { DeclarationGroup(steps) }
        // The build VM is sealed afterwards: nothing to read back or undo; rebuilt with the template.
        host.refresh = false
        host.replaceTriggeredBy = [template.description]
        let before = graph.specs.count
        host.compile(into: &graph)
        let added = graph.specs[before...]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let described = added.map { spec in
            "\(spec.address) " + String(decoding: (try? encoder.encode(spec.attributes)) ?? Data(), as: UTF8.self)
        }
        return (
            ContentDigest.sha256(described.joined(separator: "\n")),
            added.count > 1 ? added.last?.address : nil
        )
    }
}
