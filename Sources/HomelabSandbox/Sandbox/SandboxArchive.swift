import Foundation
import HomelabKit

/// The apt archives of the sandbox's internet (`make-archive.sh`): every repository the
/// description adds (`AptRepository`), and Debian's own, which the lab's machines use instead
/// of their image's sources (signed with the sandbox's archive key, which they trust). Each
/// archive carries a stand-in package for every `Package` the description installs, at the
/// version it pins (`1.31.4*` → `1.31.4-1.1`, as pkgs.k8s.io numbers them), and the packages
/// whose files the roles go on to use carry stand-ins of those files (containerd.io's binary,
/// config and unit; kubelet's unit). The key is published wherever a repository's key URL points.
enum SandboxArchive {
    /// Debian's archive as the machines' rewritten sources name it.
    static let debian = (host: "deb.debian.org", path: "/debian", suite: "bookworm", components: "main")

    /// Builds the archives for `graph` under `internet`; returns the armored key.
    static func build(_ graph: ResourceGraph, internet: String, directory: String) throws -> String {
        var packages: [String: String] = [:]
        var repositories: [String] = ["\(debian.host) \(debian.path) \(debian.suite) \(debian.components)"]
        var keys: [String] = []
        for resource in graph.resources {
            if resource.type.name == HostTypes.package.name,
                let package = try? AttributeDecoder().decode(PackageAttributes.self, from: resource.attributes)
            {
                let pinned = package.version.map { $0.replacingOccurrences(of: "*", with: "") + "-1.1" }
                packages[package.name] = pinned ?? packages[package.name] ?? "0.0~sandbox1"
            } else if resource.type.name == ProxmoxTypes.template.name,
                let template = try? AttributeDecoder().decode(TemplateAttributes.self, from: resource.attributes)
            {
                // What the unattended install puts on the template.
                for name in template.autoinstall?.packages ?? [] { packages[name] = packages[name] ?? "0.0~sandbox1" }
            } else if resource.type.name == HostTypes.aptRepository.name,
                let repository = try? AttributeDecoder().decode(AptRepositoryAttributes.self, from: resource.attributes)
            {
                // `deb [options] URI SUITE [COMPONENT…]`
                let words = repository.source.split(separator: " ").map(String.init).filter { !$0.hasPrefix("[") && !$0.hasSuffix("]") }
                guard words.count >= 3, let uri = URL(string: words[1]), let host = uri.host else { continue }
                repositories.append(([host, uri.path.isEmpty ? "/" : uri.path, words[2]] + words.dropFirst(3)).joined(separator: " "))
                if case .declared(.url(let keyURL))? = repository.key, let key = URL(string: keyURL), let keyHost = key.host {
                    keys.append("\(keyHost) \(key.path)")
                }
            }
        }
        // Ubuntu's archive has linux-modules-extra for every kernel; the seed's igpu role asks for
        // the running kernel's.
        let kernel = ((try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
        if !kernel.isEmpty { packages["linux-modules-extra-\(kernel)"] = packages["linux-modules-extra-\(kernel)"] ?? "0.0~sandbox1" }
        let payloads = DisposableRoot.fixtures + "/packages"
        var spec = packages.sorted { $0.key < $1.key }.map { name, version in
            let payload = payloads + "/" + name
            return "package \(name) \(version)" + (FileManager.default.fileExists(atPath: payload) ? " \(payload)" : "")
        }
        spec += repositories.map { "repo \($0)" } + (keys + ["\(debian.host) \(debian.path)/archive-key.asc"]).map { "key \($0)" }
        let specFile = directory + "/archive.spec"
        try Sandbox.write(spec.joined(separator: "\n") + "\n", to: specFile)
        let (status, output) = try Spawn.run(
            "/bin/sh", [DisposableRoot.fixtures + "/make-archive.sh", internet, directory + "/archive-gnupg", specFile])
        guard status == 0 else { throw SandboxError("the sandbox's apt archives could not be built: \(output)") }
        // The script publishes the key in the archive it always builds (Debian's).
        guard let key = try? String(contentsOfFile: "\(internet)/\(debian.host)\(debian.path)/archive-key.asc", encoding: .utf8),
            key.contains("BEGIN PGP PUBLIC KEY BLOCK")
        else { throw SandboxError("the sandbox's apt archive key was not written: \(output)") }
        return key
    }

    /// What a new machine's apt has fetched from the sandbox's Debian archive, as an installer
    /// leaves `/var/lib/apt/lists` (file names as apt's `URItoFileName` makes them): the CI
    /// machine's own lists, of the real archive, are hidden.
    static func aptLists(internet: String) -> [String: String] {
        let dists = "\(internet)/\(debian.host)\(debian.path)/dists/\(debian.suite)"
        let prefix = "/var/lib/apt/lists/\(debian.host)\(debian.path.replacingOccurrences(of: "/", with: "_"))_dists_\(debian.suite)"
        var files = ["/var/lib/apt/lists/": ""]
        files[prefix + "_InRelease"] = (try? String(contentsOfFile: dists + "/InRelease", encoding: .utf8)) ?? ""
        for component in debian.components.split(separator: " ") {
            files[prefix + "_\(component)_binary-amd64_Packages"] =
                (try? String(contentsOfFile: "\(dists)/\(component)/binary-amd64/Packages", encoding: .utf8)) ?? ""
        }
        return files
    }

    /// The files that point a machine's apt at the sandbox's Debian archive and make it trust
    /// the archive key (also for repositories added without `signed-by`, as Proxmox's is).
    static func machineFiles(key: String) -> [String: String] {
        [
            "/etc/apt/sources.list": "",
            "/etc/apt/sources.list.d/debian.sources": """
            Types: deb
            URIs: http://\(debian.host)\(debian.path)
            Suites: \(debian.suite)
            Components: \(debian.components)
            Signed-By: /usr/share/keyrings/homelab-sandbox-archive.asc

            """,
            "/usr/share/keyrings/homelab-sandbox-archive.asc": key,
            "/etc/apt/trusted.gpg.d/homelab-sandbox-archive.asc": key,
        ]
    }
}
