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
    /// The key of this host's SSH settings among the graph's provider configurations.
    public var configurationKey: String
    /// Items of one host run in declaration order, like an Ansible play.
    public var previous: ResourceAddress?
    /// Digests of what earlier File and Line items write, by path, for watchers.
    public var watched: [String: String] = [:]
    /// Every item is replaced when one of these is (a template's build machine is rebuilt).
    public var replaceTriggeredBy: [ResourceAddress] = []

    public init(name: String, address: ResourceAddress, configurationKey: String, replaceTriggeredBy: [ResourceAddress] = []) {
        self.name = name
        self.address = address
        self.configurationKey = configurationKey
        self.replaceTriggeredBy = replaceTriggeredBy
    }

    /// The references every item of the host carries: the host, and the item before it.
    public func references(at location: SourceLocation) -> [Reference] {
        [Reference(address, at: location, purpose: "host")]
            + (previous.map { [Reference($0, at: location, purpose: "previous step")] } ?? [])
    }
}

/// How HomelabKit logs in to a host.
public enum HostLogin: Sendable, Hashable {
    /// A private key file; its passphrase, if any, from the environment or a file.
    case key(String, passphrase: SecretReference? = nil)
    /// The keys of the running ssh-agent (`SSH_AUTH_SOCK`).
    case agent

    var value: Value {
        switch self {
        case .key(let path, let passphrase): return ["key": .string(path), "passphrase": passphrase?.value ?? .null]
        case .agent: return "agent"
        }
    }
}

/// Which host keys HomelabKit trusts. Strict unless trust on first use is asked for.
public enum HostTrust: Sendable, Hashable {
    case knownHosts(String)
    /// A pinned `SHA256:…` fingerprint (`ssh-keygen -lf`).
    case fingerprint(String)
    /// Record the key on first connection, then hold the host to it.
    case trustOnFirstUse(recordingIn: String)

    var value: Value {
        switch self {
        case .knownHosts(let path): return ["knownHosts": .string(path)]
        case .fingerprint(let fingerprint): return ["fingerprint": .string(fingerprint)]
        case .trustOnFirstUse(let path): return ["knownHosts": .string(path), "trustOnFirstUse": true]
        }
    }
}

/// A machine configured over SSH.
public struct Host: LabContent {
    public var name: String
    public var address: String
    public var user: String
    public var port: Int
    public var login: HostLogin
    public var trust: HostTrust
    /// Bastions to tunnel through, first hop first.
    public var jumpHosts: [JumpHost]
    /// False for a machine that is built once and then sealed (a template's build VM): its items
    /// are never read back or undone, and are redone with `replaceTriggeredBy`.
    public var refresh: Bool = true
    /// Run commands and writes through `sudo -n` (Ansible's `become`); on by default for any
    /// user but root.
    public var become: Bool
    /// Addresses whose replacement replaces every item of this host.
    public var replaceTriggeredBy: [String] = []
    public var contents: [any HostContent]
    public var dependsOn: [String]
    public var location: SourceLocation

    public init(
        _ name: String,
        address: String,
        user: String = "root",
        port: Int = 22,
        login: HostLogin = .agent,
        trust: HostTrust = .knownHosts("~/.ssh/known_hosts"),
        via jumpHosts: [JumpHost] = [],
        become: Bool? = nil,
        dependsOn: [String] = [],
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column,
        @DeclarationBuilder<any HostContent> _ contents: () -> DeclarationGroup<any HostContent>
    ) {
        self.name = name
        self.address = address
        self.user = user
        self.port = port
        self.login = login
        self.trust = trust
        self.jumpHosts = jumpHosts
        self.become = become ?? (user != "root")
        self.dependsOn = dependsOn
        self.contents = contents().members
        self.location = SourceLocation(fileID: fileID, line: line, column: column)
    }

    public static let type = ResourceType(name: "host", provider: "host", replaceOnChange: [HostAttributes.CodingKeys.address])

    public func compile(into graph: inout GraphBuilder) {
        let hostAddress = ResourceAddress(kind: "host", name: name)
        if IPv4Address(address) == nil && address.isEmpty {
            graph.error("\(hostAddress): the host needs an address", at: location, address: hostAddress)
        }
        if !(1...65535).contains(port) { graph.error("\(hostAddress): port \(port) is not a TCP port", at: location, address: hostAddress) }
        let configurationKey = "host@\(name)"
        graph.configure(
            provider: configurationKey,
            [
                "address": .string(address), "port": .int(port), "user": .string(user), "login": login.value, "trust": trust.value,
                "jumpHosts": .array(jumpHosts.map(\.value)), "refresh": .bool(refresh), "become": .bool(become),
            ]
        )
        graph.add(
            ResourceSpec(
                address: hostAddress,
                type: Self.type,
                attributes: HostAttributes(name: name, address: address, user: user),
                location: location,
                references: graph.references(dependsOn, purpose: "dependsOn", at: location),
                providerConfiguration: configurationKey
            )
        )
        var context = HostContext(
            name: name, address: hostAddress, configurationKey: configurationKey,
            replaceTriggeredBy: replaceTriggeredBy.compactMap { ResourceAddress(parsing: $0) })
        Self.compileItems(contents, in: &context, into: &graph)
    }

    /// Compiles items in order: each depends on the one before it, and File and Line items are
    /// recorded for watchers.
    public static func compileItems(_ contents: [any HostContent], in context: inout HostContext, into graph: inout GraphBuilder) {
        for member in flatten(contents) {
            let before = graph.specs.count
            member.compile(on: context, into: &graph)
            if graph.specs.count > before, let last = graph.specs.last { context.previous = last.address }
            if let watchable = member as? any WatchableContent {
                context.watched[watchable.watchedPath] = ContentDigest.sha256(
                    (context.watched[watchable.watchedPath] ?? "") + watchable.watchDigest)
            }
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
    public static let file = ResourceType(name: "host_file", provider: "host", replaceOnChange: [FileAttributes.CodingKeys.path])
    public static let package = ResourceType(
        name: "host_package", provider: "host", replaceOnChange: [PackageAttributes.CodingKeys.name])
    public static let sysctl = ResourceType(name: "host_sysctl", provider: "host", replaceOnChange: [SysctlAttributes.CodingKeys.key])
    public static let kernelModule = ResourceType(
        name: "host_kernel_module", provider: "host", replaceOnChange: [KernelModuleAttributes.CodingKeys.name])
    public static let service = ResourceType(
        name: "host_service", provider: "host", replaceOnChange: [ServiceAttributes.CodingKeys.name])
    /// A guarded command is an action: its read says whether to run it again (the next plan's question).
    public static let command = ResourceType(name: "host_command", provider: "host", verifiedAfterApply: false)
    public static let line = ResourceType(
        name: "host_line", provider: "host", replaceOnChange: [LineAttributes.CodingKeys.path, .matching])
    public static let aptRepository = ResourceType(
        name: "host_apt_repository", provider: "host", replaceOnChange: [AptRepositoryAttributes.CodingKeys.name])
    public static let user = ResourceType(name: "host_user", provider: "host", replaceOnChange: [UserAttributes.CodingKeys.name])
    public static let group = ResourceType(name: "host_group", provider: "host", replaceOnChange: [GroupAttributes.CodingKeys.name])
    public static let reboot = ResourceType(name: "host_reboot", provider: "host", verifiedAfterApply: false)
    public static let block = ResourceType(
        name: "host_block", provider: "host", replaceOnChange: [BlockAttributes.CodingKeys.path, .name])
}

/// What a ``Host`` compiles to: the machine itself, reachable over SSH.
public struct HostAttributes: Codable, Sendable, Equatable {
    public var name: String
    public var address: String
    public var user: String

    enum CodingKeys: String, CodingKey { case name, address, user }
}
