import Foundation

/// Starts programs with posix_spawn, closing every descriptor but stdin/stdout/stderr in the
/// child. Foundation's `Process` lets children inherit the sockets it watches its other children
/// through, so a long-lived sshd started beside them stalls every `waitUntilExit()` in the process.
public enum Spawn {
    /// Starts `executable`; output goes to `outputPath` (or /dev/null). Returns the child's pid.
    public static func start(
        _ executable: String, _ arguments: [String], outputPath: String = "/dev/null", environment: [String: String]? = nil
    )
        throws -> pid_t
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        guard let closeFrom = closeFrom else { throw POSIXError(.ENOSYS) }
        _ = closeFrom(&actions, 3)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + variables { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, variables)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL) }
        return pid
    }

    /// glibc ≥ 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module
    /// does not import.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// Runs to completion; returns the exit status and what it printed.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (
        status: Int32, output: String
    ) {
        let outputPath = TemporaryFiles.path("spawn") + ".out"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let pid = try start(executable, arguments, outputPath: outputPath, environment: environment)
        return (wait(pid), (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }

    /// Waits for child `pid` to end; its exit status, or -1 if a signal ended it.
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return exitStatus(status)
    }

    /// Child `pid`'s exit status (-1 if a signal ended it) if it has ended, reaping it; nil while
    /// it runs.
    public static func ended(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? exitStatus(status) : nil
    }

    private static func exitStatus(_ status: Int32) -> Int32 { (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1 }

    /// SIGTERM, then SIGKILL after two seconds (`ssh-agent -D` ignores SIGTERM).
    public static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<40 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        _ = wait(pid)
    }
}
