/// A compiled resource: its spec plus its direct dependencies, resolved to addresses.
public struct Resource: Sendable {
    public var spec: ResourceSpec
    public var dependencies: [ResourceAddress]

    public var address: ResourceAddress { spec.address }
    public var type: ResourceType { spec.type }
    public var attributes: Value { spec.attributes }
    public var location: SourceLocation { spec.location }
}

/// A validated, acyclic graph of resources in dependency order.
public struct ResourceGraph: Sendable {
    /// Every resource, dependencies before dependents, ties in declaration order.
    public private(set) var resources: [Resource]
    public let outputs: [OutputSpec]
    public private(set) var providerConfigurations: [String: Value]
    /// Problems that do not stop planning.
    public let warnings: [Diagnostic]
    private let indexByAddress: [ResourceAddress: Int]

    init(
        specs: [ResourceSpec],
        dependencies: [[Int]],
        order: [Int],
        outputs: [OutputSpec],
        providerConfigurations: [String: Value],
        warnings: [Diagnostic]
    ) {
        var resources: [Resource] = []
        resources.reserveCapacity(order.count)
        for index in order {
            resources.append(
                Resource(spec: specs[index], dependencies: dependencies[index].map { specs[$0].address })
            )
        }
        self.resources = resources
        self.outputs = outputs
        self.providerConfigurations = providerConfigurations
        self.warnings = warnings
        var indexByAddress: [ResourceAddress: Int] = [:]
        indexByAddress.reserveCapacity(resources.count)
        for (index, resource) in resources.enumerated() { indexByAddress[resource.address] = index }
        self.indexByAddress = indexByAddress
    }

    /// The same graph, reaching the provider of `key` through `configuration` instead: how the
    /// sandbox points a description's real endpoints at its simulators' certificate authority.
    public func replacingProviderConfiguration(_ key: String, with configuration: Value) -> ResourceGraph {
        var copy = self
        copy.providerConfigurations[key] = configuration
        return copy
    }

    /// The same graph with one top-level attribute of one resource replaced: how the sandbox
    /// swaps a pinned upstream download's SHA-256 for the stand-in it serves.
    public func replacingAttribute(_ key: String, of address: ResourceAddress, with value: Value) -> ResourceGraph {
        guard let index = indexByAddress[address], case .object(var members) = resources[index].spec.attributes else { return self }
        var copy = self
        members[key] = value
        copy.resources[index].spec.attributes = .object(members)
        return copy
    }

    public subscript(address: ResourceAddress) -> Resource? {
        indexByAddress[address].map { resources[$0] }
    }

    public func contains(_ address: ResourceAddress) -> Bool { indexByAddress[address] != nil }

    public var addresses: [ResourceAddress] { resources.map(\.address) }

    /// `addresses` and everything they depend on, transitively.
    public func withDependencies(_ addresses: Set<ResourceAddress>) -> Set<ResourceAddress> {
        closure(of: addresses) { self[$0]?.dependencies ?? [] }
    }

    /// `addresses` and everything that depends on them, transitively.
    public func withDependents(_ addresses: Set<ResourceAddress>) -> Set<ResourceAddress> {
        var dependents: [ResourceAddress: [ResourceAddress]] = [:]
        for resource in resources {
            for dependency in resource.dependencies { dependents[dependency, default: []].append(resource.address) }
        }
        return closure(of: addresses) { dependents[$0] ?? [] }
    }

    private func closure(
        of start: Set<ResourceAddress>,
        next: (ResourceAddress) -> [ResourceAddress]
    ) -> Set<ResourceAddress> {
        var result = start
        var stack = Array(start)
        while let address = stack.popLast() {
            for neighbour in next(address) where result.insert(neighbour).inserted { stack.append(neighbour) }
        }
        return result
    }
}

extension ResourceGraph {
    /// What a provider gets to know about a resource: its address, type, and the configuration
    /// `configurationKey` names in this description.
    public func context(_ address: ResourceAddress, type: ResourceType, configurationKey: String?) -> ResourceContext {
        ResourceContext(address: address, type: type, configuration: configurationKey.flatMap { providerConfigurations[$0] })
    }
}
