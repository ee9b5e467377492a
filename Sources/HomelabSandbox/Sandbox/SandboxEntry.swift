import Foundation
import HomelabKit

/// How a command gets into its sandbox: the process makes the lab network (a namespace whose
/// bridge holds the description's own addresses, such as 192.168.10.2), then re-executes itself
/// inside it (`ip netns exec`, same pid, so the lab's owner record stays true) with `HOME` in the
/// sandbox and the API tokens its simulators accept. Inside, the description's endpoints are
/// reachable exactly as written, and no packet for them can leave the machine.
public enum SandboxEntry {
    /// Set in the re-executed process: the lab network's namespace and its addresses.
    static let namespaceVariable = "HOMELAB_SANDBOX_NETWORK"
    static let addressesVariable = "HOMELAB_SANDBOX_ADDRESSES"
    static let directoryVariable = "HOMELAB_SANDBOX_DIRECTORY"

    /// The sandbox's directory, in the re-executed process.
    public static func directory(environment: [String: String]) -> String? { environment[directoryVariable] }

    /// The lab network this process was re-executed in, if any.
    public static func lab(environment: [String: String]) throws -> LabNetwork? {
        guard let namespace = environment[namespaceVariable] else { return nil }
        let addresses = (environment[addressesVariable] ?? "").split(separator: ",").map(String.init)
        return try LabNetwork.adopt(namespace: namespace, addresses: addresses)
    }

    /// Makes the lab network for `graph` and re-executes this process (`arguments` as it was
    /// started with) inside it. Returns only by throwing: the sandbox needs root, which it says
    /// before it changes anything.
    public static func enter(graph: ResourceGraph, directory: String, arguments: [String], environment: [String: String]) throws
        -> Never
    {
        guard geteuid() == 0 else {
            throw SandboxError(
                "the sandbox needs root: it makes network namespaces, a bridge and overlay mounts for the simulated machines. "
                    + "Nothing was changed. Run it as root (sudo -E swift run Homelab apply --sandbox)")
        }
        let layout = try SandboxLayout(graph)
        let lab = try LabNetwork.create(addresses: layout.addresses)
        var environment = environment
        environment["HOME"] = Sandbox.home(in: directory)
        environment[namespaceVariable] = lab.namespace
        environment[addressesVariable] = layout.addresses.joined(separator: ",")
        environment[directoryVariable] = directory
        for endpoint in layout.proxmox {
            // A new token each run: what the simulators accept, never written anywhere.
            environment[endpoint.tokenVariable] = "homelab@pve!sandbox=\(UUID().uuidString.lowercased())"
        }
        try writeResolverFiles(namespace: lab.namespace, graph: graph, layout: layout, directory: directory)
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        // `ip netns exec` also binds /etc/netns/<lab>/* over /etc: the lab's hosts file and
        // trust store, through which the internet's hosts are the sandbox's.
        let argv = ["ip", "netns", "exec", lab.namespace, executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        withCStrings(argv) { argv in
            withCStrings(envp) { envp in _ = execve("/usr/sbin/ip", argv, envp) }
        }
        throw SandboxError("could not enter the lab network \(lab.namespace): execve failed (\(String(cString: strerror(errno))))")
    }

    /// `/etc/netns/<lab>/hosts` (the internet's hosts at the lab's gateway) and `ssl/` (the
    /// system's trust store plus the sandbox's internet CA); removed with the lab.
    static func writeResolverFiles(namespace: String, graph: ResourceGraph, layout: SandboxLayout, directory: String) throws {
        let folder = "/etc/netns/\(namespace)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let hosts = SandboxInternet.hostsFile(SandboxInternet.hosts(in: graph), address: layout.gateway)
        try Sandbox.write(hosts, to: folder + "/hosts", mode: 0o644)
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let (status, output) = try Spawn.run("/bin/cp", ["-a", "/etc/ssl", folder + "/ssl"])
        guard status == 0 else { throw SandboxError("cannot copy /etc/ssl for the lab: \(output)") }
        let bundle = folder + "/ssl/certs/ca-certificates.crt"
        try? FileManager.default.removeItem(atPath: bundle)
        try Sandbox.write(try SandboxInternet.caBundle(directory: directory), to: bundle, mode: 0o644)
    }

    private static func withCStrings(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Void) {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        body(pointers)
    }
}
