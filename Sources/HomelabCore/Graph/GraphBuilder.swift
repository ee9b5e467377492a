/// Collects what declarations compile to, then validates it into a ``ResourceGraph``.
///
/// Declarations add resources and report local problems (a malformed CIDR, a negative size) here;
/// ``build()`` then adds the problems that need the whole description (duplicates, claims,
/// dangling references, cycles) and throws them all at once.
public struct GraphBuilder: Sendable {
    public private(set) var specs: [ResourceSpec] = []
    public private(set) var outputs: [OutputSpec] = []
    public private(set) var diagnostics = Diagnostics()
    public private(set) var providerConfigurations: [String: Value] = [:]
    /// Steps that need the whole description, run by ``build()`` (see ``complete(_:_:)``).
    private var completions: [(address: ResourceAddress, step: Completion)] = []

    /// Finishes a resource from facts other declarations give (a VM's address, a template's
    /// packages) and checks what one stage assumes of another. It runs once everything has
    /// compiled, whatever the order of the declarations; `resources` holds every declared resource.
    public typealias Completion = @Sendable (_ spec: inout ResourceSpec, _ resources: [ResourceAddress: ResourceSpec]) -> [Diagnostic]

    public init() {}

    /// Runs `step` on the resource at `address` when the graph is built.
    public mutating func complete(_ address: ResourceAddress, _ step: @escaping Completion) {
        completions.append((address, step))
    }

    public mutating func add(_ spec: ResourceSpec) { specs.append(spec) }
    public mutating func add(_ output: OutputSpec) { outputs.append(output) }
    public mutating func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    public mutating func error(_ message: String, at location: SourceLocation, address: ResourceAddress? = nil) {
        diagnostics.append(.error(message, at: location, address: address))
    }

    /// Records a provider configuration (an endpoint, a secret reference). The first one wins.
    public mutating func configure(provider key: String, _ configuration: Value) {
        if providerConfigurations[key] == nil { providerConfigurations[key] = configuration }
    }

    /// Validates everything collected. Throws every problem found, or returns the graph.
    public func build() throws(Diagnostics) -> ResourceGraph {
        var diagnostics = self.diagnostics
        var indexByAddress: [ResourceAddress: Int] = [:]
        var kept: [ResourceSpec] = []
        kept.reserveCapacity(specs.count)

        for spec in specs {
            if let first = indexByAddress[spec.address] {
                diagnostics.append(
                    .error(
                        "\(spec.address) is declared twice",
                        at: spec.location,
                        address: spec.address,
                        notes: [.init("first declared here", at: kept[first].location)]
                    )
                )
                continue
            }
            indexByAddress[spec.address] = kept.count
            kept.append(spec)
        }

        // Completions see every declared resource, and may refine the one they finish.
        if !completions.isEmpty {
            let byAddress = Dictionary(kept.map { ($0.address, $0) }) { first, _ in first }
            for (address, step) in completions {
                guard let index = indexByAddress[address] else { continue }
                for diagnostic in step(&kept[index], byAddress) { diagnostics.append(diagnostic) }
            }
        }

        checkClaims(kept, into: &diagnostics)

        // References become edges; dangling ones are errors at the line that wrote them.
        var dependencies: [[Int]] = Array(repeating: [], count: kept.count)
        for (index, spec) in kept.enumerated() {
            var seen = Set<Int>()
            for reference in spec.references + spec.replaceTriggeredBy {
                guard let target = indexByAddress[reference.address] else {
                    diagnostics.append(
                        .error(
                            "\(spec.address) refers to \(reference.address) (\(reference.purpose)), which is not declared",
                            at: reference.location,
                            address: spec.address
                        )
                    )
                    continue
                }
                if target == index {
                    diagnostics.append(
                        .error("\(spec.address) depends on itself", at: reference.location, address: spec.address)
                    )
                    continue
                }
                if seen.insert(target).inserted { dependencies[index].append(target) }
            }
        }

        for spec in kept where !spec.address.isPrintable {
            diagnostics.append(
                .error(
                    "the name \(spec.address) contains control characters, which would forge lines in plans and state listings",
                    at: spec.location, address: spec.address))
        }
        for output in outputs {
            if output.name != ResourceAddress.printable(output.name) || output.name.isEmpty {
                diagnostics.append(
                    .error(
                        "output name '\(ResourceAddress.printable(output.name))' must be non-empty, without control characters",
                        at: output.location))
            }
            guard case .attribute(let address, let path) = output.source else { continue }
            guard let target = indexByAddress[address] else {
                diagnostics.append(
                    .error("output \(output.name) refers to \(address), which is not declared", at: output.location)
                )
                continue
            }
            // An attribute the resource does not have would make every plan show a change.
            if case .key(let name)? = path.steps.first, kept[target].attributes[name] == nil {
                let known = (kept[target].attributes.objectValue ?? [:]).keys.sorted().joined(separator: ", ")
                diagnostics.append(
                    .error(
                        "output \(output.name) refers to \(address).\(name), which \(address) does not have (it has: \(known))",
                        at: output.location)
                )
            }
        }

        let order = TopologicalSort.order(count: kept.count, dependencies: dependencies)
        for cycle in order.cycles {
            let members = cycle.map { kept[$0] }
            let path = (members + [members[0]]).map(\.address.description).joined(separator: " → ")
            diagnostics.append(
                .error(
                    "dependency cycle: \(path)",
                    at: members[0].location,
                    address: members[0].address,
                    notes: members.map { .init("\($0.address) is declared here", at: $0.location) }
                )
            )
        }

        if diagnostics.hasErrors { throw diagnostics }
        return ResourceGraph(
            specs: kept,
            dependencies: dependencies,
            order: order.sorted,
            outputs: outputs,
            providerConfigurations: providerConfigurations,
            warnings: diagnostics.warnings
        )
    }

    private func checkClaims(_ specs: [ResourceSpec], into diagnostics: inout Diagnostics) {
        var owners: [UniqueClaim: ResourceSpec] = [:]
        for spec in specs {
            for claim in spec.claims {
                if let owner = owners[claim] {
                    diagnostics.append(
                        .error(
                            "\(claim.namespace) \(claim.value) is used by both \(owner.address) and \(spec.address)",
                            at: spec.location,
                            address: spec.address,
                            notes: [.init("\(owner.address) uses it here", at: owner.location)]
                        )
                    )
                } else {
                    owners[claim] = spec
                }
            }
        }
    }
}
