import SSH

/// `apt-get` as every item that installs or removes packages runs it: without questions, waiting
/// for a lock another apt holds, and first finishing what an interrupted dpkg left.
///
/// A run killed while dpkg works on a host (the connection drops, the host loses power) leaves
/// dpkg's journal dirty, and from then on every apt-get refuses with "dpkg was interrupted, you
/// must manually run 'dpkg --configure -a'". apt decides so from an all-digit entry in
/// `/var/lib/dpkg/updates/` (apt's `apt-pkg/deb/debsystem.cc`, `debSystem::CheckUpdates`). A
/// rerun must converge without a hand at the console, so it runs what apt asks for first.
enum AptGet {
    /// Finishes an interrupted dpkg run when its journal is dirty; nothing otherwise.
    static let finishInterruptedDpkg =
        "if ls /var/lib/dpkg/updates 2>/dev/null | grep -q '^[0-9][0-9]*$'; then "
        + "DEBIAN_FRONTEND=noninteractive dpkg --configure -a --force-confdef --force-confold; fi"

    /// How long apt waits for the dpkg lock (`DPkg::Lock::Timeout`), as Ansible's apt module's
    /// `lock_timeout` does: an apt left running by a dropped connection finishes first.
    static let lockTimeoutSeconds = 120

    /// `apt-get` with `arguments` (`install -y …`), as a command for the host.
    static func command(_ arguments: [String]) -> ShellCommand { ShellCommand(self.arguments(arguments)) }

    /// The same as a `Command`'s arguments.
    static func arguments(_ arguments: [String]) -> [String] { ["sh", "-c", shell + " \"$@\"", "apt-get"] + arguments }

    /// The same as one shell line, for a `Command` whose arguments need the shell (`$(uname -r)`).
    static func line(_ arguments: String) -> String { shell + " " + arguments }

    private static var shell: String {
        "{ \(finishInterruptedDpkg); } && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=\(lockTimeoutSeconds)"
    }
}
