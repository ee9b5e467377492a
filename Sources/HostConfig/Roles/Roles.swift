import HomelabCore

/// The seed homelab's Ansible roles as plain Swift functions that return host items (see
/// `reference/seed-homelab.md`). Call them inside `Host { }`, a node's `HostConfiguration { }` or
/// a template's provisioning; each takes the role's variables as parameters with the seed's values
/// as defaults.
public enum Roles {
    /// The full upgrade Ansible's `apt: upgrade: dist` does, re-checked on every plan: it runs when
    /// apt would install or upgrade anything.
    static func distUpgrade(fileID: String = #fileID, line: Int = #line) -> Command {
        Command(
            "dist-upgrade", AptGet.arguments(["dist-upgrade", "-y", "-q"]),
            unless: ["sh", "-c", "apt-get -s -o Debug::NoLocking=1 dist-upgrade | grep -q '^Inst' && exit 1 || exit 0"],
            fileID: fileID, line: line)
    }
}
