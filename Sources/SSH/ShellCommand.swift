/// A remote command built from an argument list, never from pasted strings: every argument is
/// single-quoted for the POSIX shell the SSH server runs it with, so quotes, `;`, `$(…)`,
/// backticks, newlines and globs arrive as the literal bytes they are.
public struct ShellCommand: Sendable, Equatable, CustomStringConvertible {
    public var arguments: [String]

    public init(_ arguments: [String]) { self.arguments = arguments }
    public init(_ arguments: String...) { self.arguments = arguments }

    /// The line the remote shell parses back into exactly ``arguments``.
    public var line: String { arguments.map(Self.quote).joined(separator: " ") }
    public var description: String { line }

    /// Runs through `sudo` without a password prompt (`-n`); `--` ends sudo's options.
    public func sudo() -> ShellCommand { ShellCommand(["sudo", "-n", "--"] + arguments) }

    /// `'…'` with every `'` written as `'\''`. Plain words stay bare for readable logs.
    public static func quote(_ argument: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@,+%")
        if !argument.isEmpty, argument.allSatisfy({ safe.contains($0) }), argument.first != "-" || argument.count > 1 {
            return argument
        }
        return "'" + argument.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
