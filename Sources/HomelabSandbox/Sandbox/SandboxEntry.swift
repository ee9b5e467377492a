import Foundation
import HomelabKit

/// How a command gets into its sandbox: the process makes the lab network (a namespace whose
/// bridge holds the description's own addresses, such as 192.168.10.2), then re-executes itself
/// inside it (`nsenter --net`, same pid, so the lab's owner record stays true) with `HOME` in the
/// sandbox and the API tokens its simulators accept. Inside, the description's endpoints are
/// reachable exactly as written, and no packet for them can leave the machine.
public enum SandboxEntry {
    /// Set in the re-executed process: the lab network's namespace and its addresses.
    static let namespaceVariable = "HOMELAB_SANDBOX_NETWORK"
    static let addressesVariable = "HOMELAB_SANDBOX_ADDRESSES"

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
        for endpoint in layout.proxmox {
            // A new token each run: what the simulators accept, never written anywhere.
            environment[endpoint.tokenVariable] = "homelab@pve!sandbox=\(UUID().uuidString.lowercased())"
        }
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        // nsenter, not `ip netns exec`: only the network namespace changes. `ip netns exec` also
        // gives the process a mount namespace of its own, in which the namespaces it names for
        // its machines would be invisible to the next run, which could not clean them up.
        let argv = ["nsenter", "--net=/run/netns/\(lab.namespace)", "--", executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        withCStrings(argv) { argv in
            withCStrings(envp) { envp in _ = execve("/usr/bin/nsenter", argv, envp) }
        }
        throw SandboxError("could not enter the lab network \(lab.namespace): execve failed (\(String(cString: strerror(errno))))")
    }

    private static func withCStrings(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Void) {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        body(pointers)
    }
}
