import Foundation
import HomelabKit
import HomelabSandbox

/// The same host configuration applied by HomelabKit and by `ansible-playbook` (ansible-core) to
/// N disposable machines each (an overlay root with its own sshd and network namespace): a
/// directory, 10 files, 10 lines, 4 sysctls and 5 guarded commands per host. First run from a
/// clean machine, then a rerun that finds nothing to do.
enum HostBenchmark {
    static let files = 0..<10
    static let lines = 0..<10
    static let commands = 0..<5
    static let sysctls = [
        ("net.ipv4.ip_forward", "1"), ("net.ipv4.conf.all.rp_filter", "2"), ("net.ipv4.conf.default.rp_filter", "2"),
        ("net.ipv6.conf.all.forwarding", "1"),
    ]
    static let sysctlFile = "/etc/sysctl.d/90-bench.conf"

    static func content(_ index: Int) -> String {
        "# managed file \(index)\n" + (0..<8).map { "option_\($0) = value \(index * 8 + $0)\n" }.joined()
    }

    static func lab(_ roots: [DisposableRoot]) -> Lab {
        Lab("hosts-bench") {
            for (index, root) in roots.enumerated() {
                Host("host\(index)", address: root.address, login: .key(root.key), trust: .knownHosts(root.knownHosts)) {
                    Command("directory", ["mkdir", "-p", "/etc/homelab-bench"], creates: "/etc/homelab-bench")
                    for file in files { File("/etc/homelab-bench/file-\(file).conf", content: content(file)) }
                    for line in lines {
                        Line("/etc/homelab-bench/settings.conf", line: "key\(line) = value\(line)", matching: "^key\(line)\\s*=")
                    }
                    for (key, value) in sysctls { Sysctl(key, value, file: sysctlFile) }
                    for command in commands {
                        Command(
                            "marker\(command)", ["mkdir", "-p", "/var/lib/homelab-bench/marker-\(command)"],
                            creates: "/var/lib/homelab-bench/marker-\(command)")
                    }
                }
            }
        }
    }

    /// The same tasks in Ansible's builtin modules. ansible-core has no sysctl module (it is in
    /// ansible.posix), so each sysctl is one shell task that persists and sets it when needed.
    static func playbook() -> String {
        var tasks = """
            - hosts: all
              gather_facts: false
              tasks:
                - file: {path: /etc/homelab-bench, state: directory, mode: "0755"}

            """
        for file in files {
            let body = content(file).split(separator: "\n").map { "          \($0)" }.joined(separator: "\n")
            tasks +=
                "    - copy:\n        dest: /etc/homelab-bench/file-\(file).conf\n        mode: \"0644\"\n        content: |\n\(body)\n"
        }
        for line in lines {
            tasks +=
                "    - lineinfile: {path: /etc/homelab-bench/settings.conf, regexp: '^key\(line)\\s*=', line: 'key\(line) = value\(line)', create: true}\n"
        }
        for (key, value) in sysctls {
            tasks += """
                    - shell: grep -qx '\(key) = \(value)' \(sysctlFile) 2>/dev/null || echo '\(key) = \(value)' >> \(sysctlFile); test "$(sysctl -n \(key))" = \(value) || sysctl -qw \(key)=\(value)
                      changed_when: false

                """
        }
        for command in commands {
            tasks +=
                "    - command: mkdir -p /var/lib/homelab-bench/marker-\(command)\n      args: {creates: /var/lib/homelab-bench/marker-\(command)}\n"
        }
        return tasks
    }

    static func inventory(_ roots: [DisposableRoot], knownHosts: String) -> String {
        "[all]\n"
            + roots.enumerated().map { index, root in
                "host\(index) ansible_host=\(root.address) ansible_user=root ansible_ssh_private_key_file=\(root.key)"
            }.joined(separator: "\n")
            + "\n\n[all:vars]\nansible_python_interpreter=/usr/bin/python3\n"
            + "ansible_ssh_common_args='-o UserKnownHostsFile=\(knownHosts) -o StrictHostKeyChecking=yes'\n"
    }

    static func homelabKit(_ roots: [DisposableRoot]) async throws -> (first: Double, rerun: Double) {
        let storage = FileStateStorage(path: try temporaryDirectory("hosts") + "/state.json")
        func run() async throws -> Double {
            let start = ContinuousClock.now
            let workspace = Workspace(graph: try lab(roots).compile(), storage: storage, providers: ProviderRegistry([HostProvider()]))
            let state = try workspace.loadState()
            let plan = try await workspace.plan(state: state)
            if plan.hasChanges {
                let result = try await workspace.apply(plan, state: state)
                guard result.succeeded else { throw ProviderError.failed("HomelabKit apply failed: \(result.failures.map(\.message))") }
            }
            return seconds(since: start)
        }
        let first = try await run()
        let check = Workspace(graph: try lab(roots).compile(), storage: storage, providers: ProviderRegistry([HostProvider()]))
        let rerun = try await run()
        guard try await !check.plan(state: check.loadState()).hasChanges else { throw ProviderError.failed("the rerun is not a no-op") }
        return (first, rerun)
    }

    static func ansible(_ roots: [DisposableRoot]) throws -> (first: Double, rerun: Double) {
        let directory = try temporaryDirectory("ansible")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let knownHosts = directory + "/known_hosts"
        try roots.map { (try? String(contentsOfFile: $0.knownHosts, encoding: .utf8)) ?? "" }.joined()
            .write(toFile: knownHosts, atomically: false, encoding: .utf8)
        try inventory(roots, knownHosts: knownHosts).write(toFile: directory + "/inventory", atomically: false, encoding: .utf8)
        try playbook().write(toFile: directory + "/play.yml", atomically: false, encoding: .utf8)
        try "[defaults]\nforks = \(max(5, roots.count))\nstdout_callback = default\n[ssh_connection]\npipelining = True\n"
            .write(toFile: directory + "/ansible.cfg", atomically: false, encoding: .utf8)
        guard
            let executable = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
                .map({ "\($0)/ansible-playbook" }).first(where: FileManager.default.isExecutableFile(atPath:))
        else { throw ProviderError.failed("ansible-playbook not found: run scripts/setup --test (pip install ansible-core)") }
        var environment = ProcessInfo.processInfo.environment
        environment["ANSIBLE_CONFIG"] = directory + "/ansible.cfg"
        func run() throws -> Double {
            let start = ContinuousClock.now
            let (status, output) = try Spawn.run(
                executable, ["-i", directory + "/inventory", directory + "/play.yml"], environment: environment)
            guard status == 0 else { throw ProviderError.failed("ansible-playbook exited \(status): \(output.suffix(2000))") }
            return seconds(since: start)
        }
        return (try run(), try run())
    }

    /// What a machine looks like after a run: the managed files and the sysctls in its namespace.
    static func outcome(_ root: DisposableRoot) throws -> String {
        let paths = files.map { "/etc/homelab-bench/file-\($0).conf" } + ["/etc/homelab-bench/settings.conf", sysctlFile]
        let texts = paths.map { root.contents(of: $0) ?? "(missing \($0))" }
        let markers = commands.map { FileManager.default.fileExists(atPath: root.upper + "/var/lib/homelab-bench/marker-\($0)") }
        let (status, values) = try Spawn.run("/usr/sbin/ip", ["netns", "exec", root.namespace, "sysctl", "-n"] + sysctls.map(\.0))
        guard status == 0 else { throw ProviderError.failed("cannot read the sysctls of \(root.address)") }
        return texts.joined() + "\(markers)" + values
    }

    static func scenario(_ hosts: Int) async throws -> Measurement {
        var roots: [DisposableRoot] = []
        for _ in 0..<(2 * hosts) { roots.append(try await DisposableRoot.start()) }
        let kit = try await homelabKit(Array(roots.prefix(hosts)))
        let peer = try ansible(Array(roots.suffix(hosts)))
        // Both did the same thing to every machine, or the figures mean nothing.
        let outcomes = try Set(roots.map(outcome))
        guard outcomes.count == 1 else { throw ProviderError.failed("HomelabKit and Ansible left different machines: \(outcomes)") }
        return Measurement(
            seconds: kit.first, peakRSSMB: peakRSSMegabytes(), detail: "\(hosts) hosts",
            values: ["kitFirst": kit.first, "kitRerun": kit.rerun, "ansibleFirst": peer.first, "ansibleRerun": peer.rerun])
    }
}

/// HomelabKit vs ansible-playbook (issue #4).
func printHostTable() throws {
    print("| host configuration, 5 hosts × 30 items (files, lines, sysctls, commands) | first run (s) | no-op rerun (s) |")
    print("|---|---|---|")
    let run = try runChild(["hosts", "5"])
    let values = run.values ?? [:]
    let (kitFirst, kitRerun, ansibleFirst, ansibleRerun) = (
        values["kitFirst"] ?? 0, values["kitRerun"] ?? 0, values["ansibleFirst"] ?? 0, values["ansibleRerun"] ?? 0
    )
    print("| HomelabKit (libssh2, one connection per host) | \(format(kitFirst, 2)) | \(format(kitRerun, 2)) |")
    print("| ansible-playbook (ansible-core, pipelining, forks 5) | \(format(ansibleFirst, 2)) | \(format(ansibleRerun, 2)) |")
    print(
        "\nHomelabKit vs ansible-playbook: first run \(format(ansibleFirst / kitFirst, 1))× faster, rerun \(format(ansibleRerun / kitRerun, 1))× faster (target ≥ 10×)"
    )
}
