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

    /// Removes a repository's list file and key.
    public static func remove(_ repository: AptRepository, on host: HostSession) async throws {
        try await host.run(ShellCommand("rm", "-f", "--", repository.listPath, repository.keyring))
    }

    /// Installs the newest version matching the glob `version` (held packages included) and
    /// holds it again when `hold`.
    public static func install(_ name: String, version: String, hold: Bool, on host: HostSession) async throws {
        let wanted = PackageAttributes(host: "", name: name, version: version, hold: hold)
        _ = try await PackageItem.apply(wanted, prior: PackageAttributes(host: "", name: name, version: nil, hold: true), on: host)
    }
}
