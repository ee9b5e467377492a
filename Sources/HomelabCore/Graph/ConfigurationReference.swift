/// A provider configuration value that another resource produces: a kubeadm cluster's
/// kubeconfig, known only once the cluster is built. It is taken from state when an operation
/// runs (and when refresh reads), so resources of that cluster apply in the same run that builds it.
public enum ConfigurationReference {
    private static let addressKey = "$fromResource"
    private static let attributeKey = "$attribute"

    /// The value of `attribute` of the resource at `address`, once it is in state.
    public static func attribute(_ attribute: String, of address: ResourceAddress) -> Value {
        [addressKey: .string(address.description), attributeKey: .string(attribute)]
    }

    /// `configuration` with every reference replaced by its value in `state`, or `null` while
    /// the resource is not built yet.
    static func resolve(_ configuration: Value, in state: State) -> Value {
        switch configuration {
        case .object(let members):
            if let address = members[addressKey]?.stringValue.flatMap(ResourceAddress.init(parsing:)),
                let attribute = members[attributeKey]?.stringValue
            {
                return state[address]?.markedAttributes[attribute].flatMap { $0 == .unknown ? nil : $0 } ?? .null
            }
            return .object(members.mapValues { resolve($0, in: state) })
        case .array(let items):
            return .array(items.map { resolve($0, in: state) })
        default:
            return configuration
        }
    }
}

extension ResourceContext {
    /// The context with its configuration's references taken from `state`.
    public func resolved(in state: State) -> ResourceContext {
        var context = self
        context.configuration = configuration.map { ConfigurationReference.resolve($0, in: state) }
        return context
    }
}
