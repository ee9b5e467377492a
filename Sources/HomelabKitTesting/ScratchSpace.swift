import Foundation

/// Where tests and benchmarks put the files they make: one folder per process under the system's
/// temporary directory, removed when the process exits, so nothing is left behind however many
/// tests make files and whichever of them forget to remove their own.
///
/// ```swift
/// let statePath = try ScratchSpace.directory("state") + "/state.json"
/// ```
public enum ScratchSpace {
    /// The process's folder, made (and its removal at exit registered) on first use.
    public static let root: String = {
        let path = NSTemporaryDirectory() + "homelabkit-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        atexit { ScratchSpace.removeAll() }
        return path
    }()

    /// A fresh path for a file or folder named after `name` (nothing is created).
    public static func path(_ name: String) -> String { root + "/\(name)-\(UUID().uuidString)" }

    /// A fresh, empty folder named after `name`.
    public static func directory(_ name: String) throws -> String {
        let path = path(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func removeAll() { try? FileManager.default.removeItem(atPath: root) }
}
