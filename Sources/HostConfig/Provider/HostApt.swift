import HomelabCore
import SSH

/// apt on a host for other providers, with the steps ``AptRepository`` and ``Package`` take:
/// a kubeadm upgrade switches a node to the next minor's Kubernetes repository and installs the
/// exact next version from it.
public enum HostApt {
    /// Writes the repository's key and list file and refreshes that source alone.
    public static func add(_ repository: AptRepository, on host: HostSession) async throws {
        _ = try await AptRepositoryItem.apply(
            AptRepositoryAttributes(
                host: "", name: repository.name, source: repository.sourceLine, list: repository.listPath, keyring: repository.keyring,
                key: repository.key.map(AptKeyState.init)),
            prior: nil, on: host)
    }

    /// Removes the list file and key of the repository named `name`.
    public static func remove(named name: String, on host: HostSession) async throws {
        try await host.run(ShellCommand("rm", "-f", "--", AptRepository.listPath(name), AptRepository.keyring(name)))
    }

    /// Installs, in one apt run, the newest version of each package matching the glob `version`
    /// (held packages too), holds them when `hold`, and checks what dpkg then has.
    public static func install(_ names: [String], version: String, hold: Bool, on host: HostSession) async throws {
        var targets: [String] = []
        for name in names { targets.append("\(name)=" + (try await PackageItem.resolve(name, version, on: host))) }
        try await host.run(
            AptGet.command(
                [
                    "install", "-y", "-q", "--no-install-recommends", "--allow-downgrades", "--allow-change-held-packages",
                    "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold",
                ] + targets))
        try await host.run(ShellCommand(["apt-mark", hold ? "hold" : "unhold"] + names))
        let installed = try await host.output(ShellCommand(["dpkg-query", "-W", "-f", "${Package}=${Version}\n", "--"] + names))
        let missing = Set(targets).subtracting(installed.split(separator: "\n").map(String.init))
        guard missing.isEmpty else {
            throw ProviderError.failed("after apt-get install, dpkg does not have \(missing.sorted().joined(separator: ", "))")
        }
    }
}
