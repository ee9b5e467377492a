import Foundation
import HomelabKit
import HomelabKitTesting
import HomelabSandbox
import SSH
import Testing

/// Host items that need root, applied to a `DisposableRoot` over SSH: packages from a signed apt
/// repository, users and groups, sysctls, kernel modules, services and a reboot. The machine
/// running the tests is checked to be unchanged.
@Suite struct RootHostItemsTests {
    func lab(_ root: DisposableRoot, @DeclarationBuilder<any HostContent> _ contents: () -> DeclarationGroup<any HostContent>) -> Lab {
        let items = contents()
        return Lab("root") {
            Host("box", address: root.address, login: .key(root.key), trust: .knownHosts(root.knownHosts)) { items }
        }
    }

    @discardableResult
    func apply(_ lab: Lab, _ storage: InMemoryStateStorage, expectSuccess: Bool = true) async throws -> ApplyResult {
        let workspace = Workspace(graph: try lab.compile(), storage: storage, providers: ProviderRegistry([HostProvider()]))
        let state = try workspace.loadState()
        let result = try await workspace.apply(try await workspace.plan(state: state), state: state)
        if expectSuccess { #expect(result.succeeded, "\(result.failures.map(\.message))") }
        return result
    }

    func plan(_ lab: Lab, _ storage: InMemoryStateStorage) async throws -> [String] {
        let workspace = Workspace(graph: try lab.compile(), storage: storage, providers: ProviderRegistry([HostProvider()]))
        return try await workspace.plan(state: workspace.loadState()).actionLines
    }

    func shell(_ root: DisposableRoot, _ line: String) async throws -> String {
        let connection = try await SSHConnection.connect(root.configuration())
        return try await connection.executeLine(line).standardOutput
    }

    /// A machine with a signed flat apt repository at /srv/homelab-repo (`make-repo.sh`) holding
    /// homelab-hello 1.0 and 2.0, and the repository's armored key.
    func machineWithTestRepository() async throws -> (DisposableRoot, String) {
        let root = try await DisposableRoot.start()
        _ = try await offCooperativePool {
            try SSHDHarness.run("/bin/sh", [DisposableRoot.fixtures + "/make-repo.sh", root.upper + "/srv/homelab-repo"])
        }
        return (root, try String(contentsOfFile: root.upper + "/srv/homelab-repo/key.asc", encoding: .utf8))
    }

    @Test func packagesFromASignedRepositoryPinnedAndHeld() async throws {
        let (root, key) = try await machineWithTestRepository()
        let storage = InMemoryStateStorage()
        func packages(_ version: String) -> Lab {
            lab(root) {
                AptRepository("homelab-test", uri: "file:///srv/homelab-repo", suite: "./", key: .armored(key))
                Package("homelab-hello", version: version, hold: true)
            }
        }
        try await apply(packages("1.*"), storage)
        #expect(try await shell(root, "cat /usr/share/homelab-hello/version; apt-mark showhold") == "1.0\nhomelab-hello\n")
        #expect(
            root.contents(of: "/etc/apt/sources.list.d/homelab-test.list")
                == "deb [signed-by=/etc/apt/keyrings/homelab-test.asc] file:///srv/homelab-repo ./\n")
        #expect(try await plan(packages("1.*"), storage) == [], "a second run changes nothing")

        // Unheld by hand: drift. A new pin: upgraded, still held.
        _ = try await shell(root, "apt-mark unhold homelab-hello")
        #expect(try await plan(packages("1.*"), storage) == ["~ package.box/homelab-hello"])
        #expect(try await plan(packages("2.*"), storage) == ["~ package.box/homelab-hello"])
        try await apply(packages("2.*"), storage)
        #expect(try await shell(root, "cat /usr/share/homelab-hello/version; apt-mark showhold") == "2.0\nhomelab-hello\n")

        // A pin nothing matches fails with what apt offers, and changes nothing.
        let result = try await apply(packages("3.*"), storage, expectSuccess: false)
        #expect(result.failures.map(\.message).joined().contains("no version of homelab-hello matches '3.*' (apt offers: 2.0, 1.0)"))
        #expect(try await shell(root, "cat /usr/share/homelab-hello/version") == "2.0\n")
    }

    /// A run killed while dpkg worked leaves dpkg's journal dirty, and apt then refuses every
    /// change until `dpkg --configure -a` runs: the next apply runs it first and converges.
    @Test func aPackageChangeFinishesWhatAnInterruptedDpkgLeft() async throws {
        let (root, key) = try await machineWithTestRepository()
        let storage = InMemoryStateStorage()
        func hello(_ version: String) -> Lab {
            lab(root) {
                AptRepository("homelab-test", uri: "file:///srv/homelab-repo", suite: "./", key: .armored(key))
                Package("homelab-hello", version: version)
            }
        }
        try await apply(hello("1.*"), storage)
        // What dpkg leaves when killed between writing a status change to its journal and folding
        // it into /var/lib/dpkg/status: an entry named by digits, the package half-configured.
        _ = try await shell(
            root,
            "dpkg -s homelab-hello | sed 's/^Status: .*/Status: install ok half-configured/' > /var/lib/dpkg/updates/0000")
        let refused = try await shell(root, "apt-get install -y -q homelab-hello=1.0 2>&1 || true")
        #expect(refused.contains("dpkg was interrupted"), "apt refuses as on a real host: \(refused)")

        try await apply(hello("2.*"), storage)
        #expect(try await shell(root, "cat /usr/share/homelab-hello/version") == "2.0\n")
        #expect(try await shell(root, "ls /var/lib/dpkg/updates; dpkg-query -W -f '${Status}' homelab-hello") == "install ok installed")
        #expect(try await plan(hello("2.*"), storage) == [])
    }

    @Test func accountsSysctlsModulesAndServices() async throws {
        let root = try await DisposableRoot.start()
        let hostForwarding = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_forward", encoding: .utf8)
        let storage = InMemoryStateStorage()
        func box(_ defaults: String) -> Lab {
            lab(root) {
                Group("media", gid: 988)
                User("media", uid: 977, group: "media", groups: ["sudo"], shell: "/bin/bash")
                Sysctl("net.ipv4.ip_forward", "1", file: "/etc/sysctl.d/k8s.conf")
                Sysctl("net.ipv4.conf.all.src_valid_mark", "1", file: "/etc/sysctl.d/k8s.conf")
                KernelModule("br_netfilter", file: "/etc/modules-load.d/k8s.conf")
                File("/etc/systemd/system/demo.service", content: "[Service]\nExecStart=/bin/sleep infinity\n")
                File("/etc/default/demo", content: defaults)
                Service("demo", watching: ["/etc/default/demo"])
            }
        }
        try await apply(box("A=1\n"), storage)
        #expect(try await shell(root, "id media") == "uid=977(media) gid=988(media) groups=988(media),27(sudo)\n")
        #expect(try await shell(root, "sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.src_valid_mark") == "1\n1\n")
        #expect(root.contents(of: "/etc/sysctl.d/k8s.conf") == "net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.src_valid_mark = 1\n")
        #expect(root.contents(of: "/etc/modules-load.d/k8s.conf") == "br_netfilter\n")
        #expect(try await shell(root, "systemctl is-enabled demo; systemctl is-active demo") == "enabled\nactive\n")
        #expect(try await plan(box("A=1\n"), storage) == [], "a second run changes nothing")

        // Changed by hand: each shows as drift, and is repaired.
        _ = try await shell(root, "sysctl -qw net.ipv4.ip_forward=0; usermod -s /bin/sh media; systemctl stop demo")
        #expect(
            try await plan(box("A=1\n"), storage).sorted() == [
                "~ service.box/demo", "~ sysctl.box/net.ipv4.ip_forward", "~ user.box/media",
            ])
        try await apply(box("A=1\n"), storage)
        #expect(try await plan(box("A=1\n"), storage) == [])

        // A watched file changes: the service restarts after it is written.
        #expect(try await plan(box("A=2\n"), storage) == ["~ file.box//etc/default/demo", "~ service.box/demo"])
        try await apply(box("A=2\n"), storage)
        #expect(root.contents(of: "/var/lib/homelab-test/systemd/log.demo") == "start\nstart\nrestart\n")

        // The machine running the tests did not change.
        #expect(try String(contentsOfFile: "/proc/sys/net/ipv4/ip_forward", encoding: .utf8) == hostForwarding)
        #expect(try !String(contentsOfFile: "/etc/passwd", encoding: .utf8).contains("\nmedia:x:977"))
    }

    @Test func aRebootWaitsForTheHostAndRunsAgainOnlyWhenWatchedFilesChange() async throws {
        let root = try await DisposableRoot.start()
        let storage = InMemoryStateStorage()
        func box(_ cmdline: String) -> Lab {
            lab(root) {
                Line("/etc/default/grub", line: "GRUB_CMDLINE_LINUX_DEFAULT=\"\(cmdline)\"", matching: "^GRUB_CMDLINE_LINUX_DEFAULT=")
                Reboot("iommu", watching: ["/etc/default/grub"], timeout: .seconds(30))
                Command("after", ["sh", "-c", "cat /proc/sys/kernel/random/boot_id >> /root/boots"])
            }
        }
        let before = try await shell(root, "cat /proc/sys/kernel/random/boot_id")
        try await apply(box("quiet intel_iommu=on iommu=pt"), storage)
        let after = root.contents(of: "/root/boots") ?? ""
        #expect(!after.isEmpty && after != before, "the step after the reboot ran in the new boot")
        #expect(try await plan(box("quiet intel_iommu=on iommu=pt"), storage) == [])
        #expect(
            try await plan(box("quiet"), storage) == ["~ line.box//etc/default/grub:^GRUB_CMDLINE_LINUX_DEFAULT=", "~ reboot.box/iommu"])
    }

    @Test func aLoginUserBecomesRootThroughSudo() async throws {
        let root = try await DisposableRoot.start()
        // As root: a user allowed passwordless sudo (the test sshd accepts the same key for any user).
        try await apply(
            lab(root) {
                User("deploy", groups: ["sudo"], shell: "/bin/bash")
                // A new account's password is locked ("!"), which sshd without PAM refuses.
                Command("unlock", ["usermod", "-p", "*", "deploy"])
                File("/etc/sudoers.d/deploy", content: "deploy ALL=(ALL) NOPASSWD:ALL\n", mode: "0440")
            }, InMemoryStateStorage())
        func asDeploy(become: Bool) -> Lab {
            Lab("deploy") {
                Host(
                    "box", address: root.address, user: "deploy", login: .key(root.key), trust: .knownHosts(root.knownHosts), become: become
                ) {
                    File("/etc/written-through-sudo", content: "secret\n", mode: "0600")
                    Sysctl("net.ipv4.ip_forward", "1")
                }
            }
        }
        let storage = InMemoryStateStorage()
        let refused = try await apply(asDeploy(become: false), storage, expectSuccess: false)
        #expect(refused.failures.map(\.message).joined().localizedCaseInsensitiveContains("permission denied"))
        try await apply(asDeploy(become: true), storage)
        #expect(try await shell(root, "stat -c '%U %a' /etc/written-through-sudo; sysctl -n net.ipv4.ip_forward") == "root 600\n1\n")
        #expect(try await plan(asDeploy(become: true), storage) == [], "read back through sudo: nothing to do")
    }
}
