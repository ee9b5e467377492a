import Foundation
import HomelabCore

/// The internet, as the sandbox's providers and machines see it: every host the description
/// fetches from (`releases.ubuntu.com`, `download.proxmox.com`, `pkgs.k8s.io`, …) resolves to the
/// lab's gateway, where one server answers on port 80 and one on 443 (its certificate issued by
/// the sandbox's internet CA, which the lab's trust stores carry) with the files under
/// `internet/<host>/<path>` in the sandbox's directory. What is not there is a 404 that says so:
/// nothing is invented at request time.
public final class SandboxInternet: Sendable {
    public let hosts: [String]
    public let root: String
    private let servers: [SandboxHTTPSServer]

    private init(hosts: [String], root: String, servers: [SandboxHTTPSServer]) {
        self.hosts = hosts
        self.root = root
        self.servers = servers
    }

    /// The hosts of every http(s) URL in the description's resources (not addresses: those are
    /// the lab's own), and Debian's archive, which the lab's machines use.
    public static func hosts(in graph: ResourceGraph) -> [String] {
        var hosts: Set<String> = []
        func visit(_ value: Value) {
            switch value {
            case .string(let text):
                for scheme in ["http://", "https://"] {
                    for part in text.components(separatedBy: scheme).dropFirst() {
                        let host = String(part.prefix { $0 != "/" && $0 != ":" && $0 != " " && $0 != "\"" && $0 != "]" })
                        if host.contains("."), IPv4Address(host) == nil,
                            host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
                        {
                            hosts.insert(host.lowercased())
                        }
                    }
                }
            case .array(let items): items.forEach(visit)
            case .object(let fields): fields.values.forEach(visit)
            default: break
            }
        }
        for resource in graph.resources { visit(resource.attributes) }
        // The machines' own distribution archive.
        hosts.insert(SandboxArchive.debian.host)
        return hosts.sorted()
    }

    /// The sandbox's internet CA, kept in `directory`.
    public static func authority(directory: String) throws -> SandboxCertificateAuthority {
        try SandboxCertificateAuthority.persisted(at: directory + "/internet-ca.json", name: "HomelabKit sandbox internet CA")
    }

    /// What a trust store holds in the lab: the system's CAs and the sandbox's internet CA.
    public static func caBundle(directory: String) throws -> String {
        let system = (try? String(contentsOfFile: "/etc/ssl/certs/ca-certificates.crt", encoding: .utf8)) ?? ""
        return system + (system.hasSuffix("\n") || system.isEmpty ? "" : "\n") + (try authority(directory: directory)).caPEM
    }

    /// `/etc/hosts` in the lab: the internet's hosts at `address`.
    public static func hostsFile(_ hosts: [String], address: String) -> String {
        // The machines share the CI machine's host name (no UTS namespace): sudo resolves it.
        "127.0.0.1\tlocalhost\n127.0.1.1\t\(ProcessInfo.processInfo.hostName)\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            + hosts.map { "\(address)\t\($0)\n" }.joined()
    }

    /// Starts the servers at `address` (ports 80 and 443) for `hosts`, serving `root`.
    public static func start(hosts: [String], root: String, address: String, authority: SandboxCertificateAuthority) async throws
        -> SandboxInternet
    {
        let handler: SandboxHTTPSServer.Handler = { request in serve(request, root: root) }
        let identity = try authority.issueServer(commonName: hosts.first ?? "sandbox", dnsNames: hosts)
        let https = try await SandboxHTTPSServer(identity: identity, host: address, port: 443, handler: handler)
        let http = try await SandboxHTTPSServer(identity: nil, host: address, port: 80, handler: handler)
        return SandboxInternet(hosts: hosts, root: root, servers: [https, http])
    }

    /// A file under `root/<host>/<path>`, for GET and HEAD.
    static func serve(_ request: SandboxRequest, root: String) -> SandboxResponse {
        let host = (request.header("Host") ?? "").split(separator: ":").first.map { String($0).lowercased() } ?? ""
        let path = request.path.removingPercentEncoding ?? request.path
        guard request.method == "GET" || request.method == "HEAD", !path.contains("/../"), !host.isEmpty, !host.contains("/") else {
            return SandboxResponse(status: 405, reason: "Method Not Allowed")
        }
        var isDirectory: ObjCBool = false
        let file = "\(root)/\(host)\(path)"
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue,
            let data = FileManager.default.contents(atPath: file)
        else {
            let text = "\(host)\(path) is not in the sandbox's internet\n"
            return SandboxResponse(status: 404, reason: "Not Found", headers: [("Content-Type", "text/plain")], body: Array(text.utf8))
        }
        return SandboxResponse(
            status: 200, reason: "OK", headers: [("Content-Type", "application/octet-stream")],
            body: request.method == "HEAD" ? [] : Array(data))
    }

    public func shutdown() async {
        for server in servers { await server.shutdown() }
    }
}
