import HomelabCore
import Kubernetes

/// What Helm recorded about a release, read from its records: Helm's Secret driver keeps one
/// Secret `sh.helm.release.v1.<name>.v<revision>` per revision, labelled `owner=helm`,
/// `name=<name>`, `status=<status>` and `version=<revision>` (helm/helm
/// `pkg/storage/driver/secrets.go`, `newSecretsObject`), so no release needs decoding.
///
/// A killed `cilium install` or `upgrade` leaves its revision `pending-install` or
/// `pending-upgrade`: Helm stores the revision before it creates anything and marks it `deployed`
/// only at the end (`pkg/action/install.go`, `pkg/action/upgrade.go`). After that, install
/// refuses ("cannot re-use a name that is still in use", `Install.availableName`) and so does
/// upgrade ("another operation (install/upgrade/rollback) is in progress", `errPending`).
struct HelmRelease: Equatable {
    struct Revision: Equatable {
        var number: Int
        var status: String
    }

    var name: String
    /// Oldest first.
    var revisions: [Revision]

    var latest: Revision? { revisions.last }
    /// Whether a revision was ever completed: an upgrade can start from it.
    var wasDeployed: Bool { revisions.contains { $0.status == "deployed" || $0.status == "superseded" } }

    /// The release's records in `namespace`, or nil when Helm has none.
    static func read(_ name: String, namespace: String, client: KubernetesClient) async throws -> HelmRelease? {
        let secrets = try await client.list(apiVersion: "v1", kind: "Secret", namespace: namespace)
        let revisions: [Revision] = secrets.compactMap { secret in
            let labels = secret["metadata"]?["labels"]
            guard labels?["owner"]?.stringValue == "helm", labels?["name"]?.stringValue == name,
                let number = labels?["version"]?.stringValue.flatMap({ Int($0) }), let status = labels?["status"]?.stringValue
            else { return nil }
            return Revision(number: number, status: status)
        }
        return revisions.isEmpty ? nil : HelmRelease(name: name, revisions: revisions.sorted { $0.number < $1.number })
    }

    /// What an unfinished last revision needs before the next install or upgrade can run.
    enum Repair: Equatable {
        /// Nothing: install when there is no release, upgrade when there is one.
        case none
        /// The release never got deployed (an install killed or failed): uninstall it, then install.
        case uninstall
        /// An upgrade or rollback stopped halfway: remove its revision's record, so the upgrade
        /// starts again from the last deployed revision (what `helm rollback` would give back).
        case removeRevision(Int)
    }

    var repair: Repair {
        guard let latest else { return .none }
        switch latest.status {
        case "pending-install", "uninstalling", "uninstalled": return .uninstall
        case "failed" where !wasDeployed: return .uninstall
        case "pending-upgrade", "pending-rollback": return wasDeployed ? .removeRevision(latest.number) : .uninstall
        default: return .none
        }
    }

    /// The record of one revision.
    func secretName(_ revision: Int) -> String { "sh.helm.release.v1.\(name).v\(revision)" }
}
