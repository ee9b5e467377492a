import Foundation

/// The files a process keeps in the system's temporary directory while it works (a command's
/// output, the apt archive's build folder) are named `homelabkit-<pid>-…` after their owner, as
/// the lab namespaces are recorded with theirs. They go when the process exits; a run killed
/// with SIGKILL cannot remove its own, so the next sandbox run removes those of every owner that
/// is gone (``removeStale()``, with the namespaces). The build scripts name their folders the same
/// way, after their parent (`homelabkit-$PPID-…`).
public enum TemporaryFiles {
    /// A fresh path in the temporary directory for a file or folder named after `name`, owned by
    /// this process (nothing is created).
    public static func path(_ name: String) -> String {
        _ = exitHandler
        return directory + prefix(getpid()) + "\(name)-\(UUID().uuidString)"
    }

    /// What process `pid` has in the temporary directory, as paths.
    public static func owned(by pid: pid_t) -> [String] {
        entries.filter { $0.hasPrefix(prefix(pid)) }.map { directory + $0 }
    }

    /// Removes what processes that are gone left in the temporary directory.
    public static func removeStale() {
        for entry in entries {
            guard let owner = owner(of: entry), OwnerProcess.isGone(owner, wrote: directory + entry) else { continue }
            try? FileManager.default.removeItem(atPath: directory + entry)
        }
    }

    /// `NSTemporaryDirectory()` reads TMPDIR as the scripts' `mktemp` does, and ends with "/".
    private static var directory: String { NSTemporaryDirectory() }

    private static var entries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] }

    private static func prefix(_ pid: pid_t) -> String { "homelabkit-\(pid)-" }

    private static func owner(of entry: String) -> pid_t? {
        let fields = entry.split(separator: "-", maxSplits: 2)
        guard fields.count == 3, fields[0] == "homelabkit", let pid = pid_t(fields[1]), pid > 0 else { return nil }
        return pid
    }

    private static let exitHandler: Void = {
        atexit {
            for path in TemporaryFiles.owned(by: getpid()) { try? FileManager.default.removeItem(atPath: path) }
        }
    }()
}
