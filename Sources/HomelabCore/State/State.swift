import Foundation

/// One managed object as recorded in state.
public struct ResourceState: Sendable, Hashable, Codable {
    public var address: ResourceAddress
    public var type: String
    public var provider: String
    /// Plain attributes; the sensitive subtrees are listed in ``sensitivePaths``.
    public var attributes: Value
    public var sensitivePaths: [ValuePath]
    /// Direct dependencies only (Terraform stores transitive ones and grows quadratically).
    public var dependencies: [ResourceAddress]
    /// The provider configuration key the resource was made with.
    public var providerConfiguration: String?
    /// Its create failed after the object came to exist: the next apply replaces or finishes it
    /// (``ResourceType/taintedRecovery``). Absent, not `false`, in state files when clean.
    public var tainted: Bool?

    public var isTainted: Bool { tainted == true }

    public init(
        address: ResourceAddress,
        type: ResourceType,
        attributes: Value,
        dependencies: [ResourceAddress],
        providerConfiguration: String? = nil
    ) {
        let split = attributes.extractingSensitivePaths()
        self.address = address
        self.type = type.name
        self.provider = type.provider
        self.attributes = split.value
        self.sensitivePaths = split.sensitivePaths
        self.dependencies = dependencies
        self.providerConfiguration = providerConfiguration
    }

    /// The attributes with their sensitive subtrees wrapped again, as the planner compares them.
    public var markedAttributes: Value { attributes.markingSensitive(sensitivePaths) }

    /// The resource type as far as state knows it (enough to delete an orphan).
    public var resourceType: ResourceType { ResourceType(name: type, provider: provider) }
}

/// An operation that began but whose end was never recorded (the process died in between, or
/// the operation failed without knowing whether its object exists).
public struct PendingOperation: Sendable, Hashable, Codable {
    public var address: ResourceAddress
    public var action: String
    public var type: String
    public var provider: String
    /// For a create: the object as it was asked for, so the next run can look for it even when the
    /// description no longer declares it.
    public var intended: ResourceState?

    public init(address: ResourceAddress, action: String, type: String, provider: String, intended: ResourceState? = nil) {
        self.address = address
        self.action = action
        self.type = type
        self.provider = provider
        self.intended = intended
    }
}

public struct OutputState: Sendable, Hashable, Codable {
    public var value: Value
    public var sensitive: Bool
    public init(value: Value, sensitive: Bool) {
        self.value = value
        self.sensitive = sensitive
    }
}

/// The whole state: what HomelabKit manages and what it last knew of it.
public struct State: Sendable, Hashable {
    public static let currentFormatVersion = 1

    /// Increases by one with every saved change; a saved plan records it to detect staleness.
    public var serial: Int
    /// Set once when the state is first created; distinguishes unrelated states.
    public var lineage: String
    public var resources: [ResourceAddress: ResourceState]
    public var outputs: [String: OutputState]
    public var pendingOperations: [PendingOperation]

    public init(
        serial: Int = 0,
        lineage: String = UUID().uuidString.lowercased(),
        resources: [ResourceAddress: ResourceState] = [:],
        outputs: [String: OutputState] = [:],
        pendingOperations: [PendingOperation] = []
    ) {
        self.serial = serial
        self.lineage = lineage
        self.resources = resources
        self.outputs = outputs
        self.pendingOperations = pendingOperations
    }

    /// No state yet. Its lineage is assigned when it is first saved, so a plan made against it
    /// stays valid until then.
    public static func empty() -> State { State(lineage: "") }

    public subscript(address: ResourceAddress) -> ResourceState? { resources[address] }
}
