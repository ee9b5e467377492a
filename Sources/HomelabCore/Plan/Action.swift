/// What apply will do to one resource.
public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
    case noOp = "no-op"
    case create
    case update
    /// Delete, then create (an attribute that cannot change in place changed, or it was asked for).
    case replace
    case delete
    /// Record in state an object an interrupted run created, as it is (no provider call).
    case adopt
    /// Remove from state an object that no longer exists (no provider call).
    case forget

    /// The Terraform-style symbol used in plan output.
    public var symbol: String {
        switch self {
        case .noOp: return " "
        case .create: return "+"
        case .update: return "~"
        case .replace: return "-/+"
        case .delete: return "-"
        case .adopt: return "<="
        case .forget: return "x"
        }
    }

    /// Progressive verb for progress lines ("creating…").
    public var progressive: String {
        switch self {
        case .noOp: return "checking"
        case .create: return "creating"
        case .update: return "updating"
        case .replace: return "replacing"
        case .delete: return "destroying"
        case .adopt: return "adopting"
        case .forget: return "forgetting"
        }
    }
}
