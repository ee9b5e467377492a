/// The providers a workspace can use, by name.
public struct ProviderRegistry: Sendable {
    private var providers: [String: any Provider] = [:]

    public init(_ providers: [any Provider] = []) {
        for provider in providers { register(provider) }
    }

    /// Adds or replaces the provider registered under `provider.name`.
    public mutating func register(_ provider: any Provider) { providers[provider.name] = provider }

    /// A copy with `provider` added (or replacing the one of the same name).
    public func registering(_ provider: any Provider) -> ProviderRegistry {
        var copy = self
        copy.register(provider)
        return copy
    }

    public func provider(named name: String) throws -> any Provider {
        guard let provider = providers[name] else { throw ProviderError.unknownProvider(name) }
        return provider
    }

    public var names: [String] { providers.keys.sorted() }
}
