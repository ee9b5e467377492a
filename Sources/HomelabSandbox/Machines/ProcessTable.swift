import Foundation

/// The processes running on this machine, with their command lines as the kernel keeps them
/// (`/proc/<pid>/cmdline`: the arguments, each ended by a NUL).
public enum ProcessTable {
    public static func commandLines() -> [(pid: pid_t, command: String)] {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
        return pids.compactMap { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)).map { (pid, $0) }
        }
    }
}
