import Foundation
import HomelabCore

/// The cilium CLI a ``Cilium`` installs with, downloaded onto the first control plane and
/// checked against a pinned SHA-256 before anything runs it (the seed's role fetched the latest
/// release and its checksum file from the same place; a pin makes the download reproducible).
public struct CiliumCLI: Codable, Sendable, Equatable {
    /// `v0.19.2`: the version `cilium version --client` reports.
    public var version: String
    /// The SHA-256 of the archive, 64 hex digits.
    public var sha256: String
    /// Where the `.tar.gz` holding the `cilium` binary comes from; `{version}` stands for the
    /// version.
    public var url: String

    public init(
        version: String, sha256: String,
        url: String = "https://github.com/cilium/cilium-cli/releases/download/{version}/cilium-linux-amd64.tar.gz"
    ) {
        self.version = version
        self.sha256 = sha256
        self.url = url
    }

    /// The archive's address for this version.
    public var archiveURL: String { url.replacingOccurrences(of: "{version}", with: version) }

    /// What is wrong with the pin, if anything (checked at validate).
    var problems: [String] {
        var problems: [String] = []
        if !version.hasPrefix("v") || version.dropFirst().split(separator: ".").count != 3 {
            problems.append("cilium CLI version '\(version)' must look like v0.19.2")
        }
        if sha256.count != 64 || !sha256.allSatisfy(\.isHexDigit) || sha256.lowercased() != sha256 {
            problems.append("cilium CLI sha256 '\(sha256)' must be 64 lowercase hex digits")
        }
        if !["https://", "file:///"].contains(where: archiveURL.hasPrefix) {
            problems.append("cilium CLI url '\(archiveURL)' must be https:// (or file:/// on the node)")
        }
        return problems
    }
}
