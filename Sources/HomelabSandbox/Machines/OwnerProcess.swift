import Foundation

/// Whether the process that wrote a file (an owner record, a temporary file) is gone. A pid alone
/// cannot say: the kernel hands pids out again (pid_max is 32,768 on many machines, and a busy
/// sandbox starts thousands of processes), so a dead owner's pid may belong to a process started
/// since, which would keep what the dead one left forever. A process that started after the file
/// last changed cannot have written it.
enum OwnerProcess {
    static func isGone(_ pid: pid_t, wrote path: String) -> Bool {
        if kill(pid, 0) != 0, errno == ESRCH { return true }
        guard let started = startedSinceBoot(pid), let modified = modifiedSinceBoot(path) else { return false }
        // A second of margin: both clocks are read apart, and a live owner always started first.
        return started > modified + 1
    }

    /// When `pid` started, in seconds since boot (`/proc/<pid>/stat` field 22, in clock ticks).
    private static func startedSinceBoot(_ pid: pid_t) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces), from field 3 (state) on.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// When `path` last changed, in seconds since boot (its time now, less how long ago it was).
    private static func modifiedSinceBoot(_ path: String) -> Double? {
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else {
            return nil
        }
        // `/proc/uptime` counts from boot on the same clock as a process's start time.
        guard let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
            let first = uptime.split(separator: " ").first, let now = Double(first)
        else { return nil }
        return now - Date().timeIntervalSince(modified)
    }
}
