import Foundation

/// What the planner decided, for one state at one serial.
///
/// Its JSON form (`plan -out` and `plan -json`) is documented in `docs/plan-format.md`.
public struct Plan: Sendable, Codable {
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// The state this plan was made against; apply refuses it once the state has moved on.
    public var lineage: String
    public var serial: Int
    public var options: PlanOptions
    /// Every resource in scope, in dependency order, including no-ops.
    public var changes: [ResourceChange]
    public var drift: [ResourceDrift]
    public var outputs: [OutputChange]
    public var warnings: [String]

    public init(
        lineage: String,
        serial: Int,
        options: PlanOptions,
        changes: [ResourceChange],
        drift: [ResourceDrift],
        outputs: [OutputChange],
        warnings: [String]
    ) {
        self.formatVersion = Self.currentFormatVersion
        self.lineage = lineage
        self.serial = serial
        self.options = options
        self.changes = changes
        self.drift = drift
        self.outputs = outputs
        self.warnings = warnings
    }

    public struct Summary: Sendable, Hashable, Codable {
        public var add = 0
        public var change = 0
        public var destroy = 0
        /// Objects an interrupted run made, recorded in state as they are.
        public var adopt = 0
        /// Objects that no longer exist, removed from state.
        public var forget = 0
        public var hasChanges: Bool { add + change + destroy + adopt + forget > 0 }

        public init() {}

        private enum CodingKeys: String, CodingKey { case add, change, destroy, adopt, forget }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            add = try container.decodeIfPresent(Int.self, forKey: .add) ?? 0
            change = try container.decodeIfPresent(Int.self, forKey: .change) ?? 0
            destroy = try container.decodeIfPresent(Int.self, forKey: .destroy) ?? 0
            adopt = try container.decodeIfPresent(Int.self, forKey: .adopt) ?? 0
            forget = try container.decodeIfPresent(Int.self, forKey: .forget) ?? 0
        }
    }

    public var summary: Summary {
        var summary = Summary()
        for change in changes {
            switch change.action {
            case .create: summary.add += 1
            case .update: summary.change += 1
            case .replace:
                summary.add += 1
                summary.destroy += 1
            case .delete: summary.destroy += 1
            case .adopt: summary.adopt += 1
            case .forget: summary.forget += 1
            case .noOp: break
            }
        }
        return summary
    }

    /// Whether applying this plan would change anything (resources or outputs).
    public var hasChanges: Bool { summary.hasChanges || outputs.contains { $0.action != .noOp } }

    public func change(for address: ResourceAddress) -> ResourceChange? {
        changes.first { $0.address == address }
    }

    /// The plan file form: JSON, with sensitive values replaced by a marker.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> Plan {
        struct Probe: Decodable { var formatVersion: Int? }
        let probe = try? JSONDecoder().decode(Probe.self, from: data)
        guard let version = probe?.formatVersion else {
            throw PlanError.invalidPlanFile("it is not a HomelabKit plan file")
        }
        guard version <= currentFormatVersion else {
            throw PlanError.invalidPlanFile("it has format version \(version); this HomelabKit reads \(currentFormatVersion)")
        }
        return try JSONDecoder().decode(Plan.self, from: data)
    }
}

/// What to plan.
public struct PlanOptions: Sendable, Hashable, Codable {
    /// Read every managed object through its provider first.
    public var refresh: Bool
    /// Plan only these and what they depend on.
    public var targets: [ResourceAddress]
    /// Leave these and what depends on them alone.
    public var excludes: [ResourceAddress]
    /// Replace these even if nothing changed.
    public var replace: [ResourceAddress]
    /// Plan the deletion of everything in scope.
    public var destroy: Bool
    /// How many provider reads run at once during refresh.
    public var parallelism: Int

    public init(
        refresh: Bool = true,
        targets: [ResourceAddress] = [],
        excludes: [ResourceAddress] = [],
        replace: [ResourceAddress] = [],
        destroy: Bool = false,
        parallelism: Int = 10
    ) {
        self.refresh = refresh
        self.targets = targets
        self.excludes = excludes
        self.replace = replace
        self.destroy = destroy
        self.parallelism = parallelism
    }
}

public enum PlanError: Error, Sendable, CustomStringConvertible {
    case invalidPlanFile(String)
    case unknownAddress(ResourceAddress, option: String)
    case refreshFailed([(ResourceAddress, String)])
    case planMismatch([String])
    /// Updates the provider cannot make, each with the declaration's line.
    case refused([(address: ResourceAddress, location: SourceLocation, reason: String)])

    public var description: String {
        switch self {
        case .invalidPlanFile(let reason):
            return "the plan file cannot be used: \(reason)"
        case .unknownAddress(let address, let option):
            return "\(option) \(address): no such resource in the description or the state"
        case .refreshFailed(let failures):
            return "refresh failed:\n" + failures.map { "  \($0.0): \($0.1)" }.joined(separator: "\n")
        case .refused(let refusals):
            return refusals.map { "\($0.location): error: \($0.address): \($0.reason)" }.joined(separator: "\n")
        case .planMismatch(let differences):
            return "the saved plan no longer matches the description and the real objects; run plan again:\n"
                + differences.map { "  \($0)" }.joined(separator: "\n")
        }
    }
}
