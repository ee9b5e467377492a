/// ANSI colour, used only when writing to a terminal and `NO_COLOR` is unset.
public struct TerminalStyle: Sendable {
    public var enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    public static let plain = TerminalStyle(enabled: false)

    public func green(_ text: String) -> String { wrap(text, "32") }
    public func yellow(_ text: String) -> String { wrap(text, "33") }
    public func red(_ text: String) -> String { wrap(text, "31") }
    public func bold(_ text: String) -> String { wrap(text, "1") }
    public func dim(_ text: String) -> String { wrap(text, "2") }

    public func color(for action: Action, _ text: String) -> String {
        switch action {
        case .create: return green(text)
        case .update: return yellow(text)
        case .replace: return red(text)
        case .delete: return red(text)
        case .adopt: return green(text)
        case .forget: return dim(text)
        case .noOp: return text
        }
    }

    private func wrap(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
