import Foundation
import HomelabSandbox
import Testing

/// Issue #13 point 1: `--sandbox` as a user runs it, a real process (the `SandboxLab` fixture: a
/// node configured over SSH, a template, two VMs, a kubeadm cluster with Cilium and a workload).
/// All five stages apply in one run against the simulators at the description's own addresses;
/// the next plan is clean; an edited VM is exactly one in-place update; destroy removes every
/// VM; killed runs leave nothing the next one does not clean up, and it finishes the work.
@Suite(.serialized) struct SandboxTests {
    static var fixture: String { InterruptTests.fixture.deletingLastPathComponent().appendingPathComponent("SandboxLab").path }

    /// A directory to run the fixture in (its `.homelab/sandbox`), removed afterwards.
    final class Workdir: Sendable {
        let path = NSTemporaryDirectory() + "homelab-sandbox-\(UUID().uuidString.prefix(8))"
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        var sandbox: String { path + "/.homelab/sandbox" }

        /// The fixture with `arguments` in this directory, to the end.
        func run(_ arguments: [String], cores: Int = 2) async throws -> (status: Int32, output: String) {
            let (executable, environment) = (SandboxTests.fixture, Self.environment(cores: cores))
            let path = self.path
            return try await Self.offPool {
                try Spawn.run("/usr/bin/env", ["-C", path, executable] + arguments + ["--no-color"], environment: environment)
            }
        }

        /// Starts the fixture and kills it with SIGKILL once its output shows `marker`.
        func kill(_ arguments: [String], at marker: String) async throws -> String {
            let (executable, environment) = (SandboxTests.fixture, Self.environment(cores: 2))
            let (path, log) = (self.path, self.path + "/killed.log")
            return try await Self.offPool {
                let pid = try Spawn.start("/usr/bin/env", ["-C", path, executable] + arguments, outputPath: log, environment: environment)
                var output = ""
                for _ in 0..<1200 where !output.contains(marker) {
                    usleep(50_000)
                    output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                }
                Foundation.kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                return output
            }
        }

        static func environment(cores: Int) -> [String: String] {
            ProcessInfo.processInfo.environment.merging(["SANDBOX_LAB_CORES": String(cores)]) { _, new in new }
        }

        static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
            try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
            }
        }

        /// The simulated Proxmox's saved VMs: VMID → configuration.
        func proxmoxVMs() throws -> [String: [String: String]] {
            let data = try Data(contentsOf: URL(fileURLWithPath: sandbox + "/proxmox-192.168.77.2.json"))
            let vms = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["vms"] as? [String: [String: Any]] ?? [:]
            return vms.compactMapValues { $0["config"] as? [String: String] }
        }

        /// The simulated Kubernetes API's saved objects, as `plural/name`.
        func kubernetesObjects() throws -> Set<String> {
            let data = try Data(contentsOf: URL(fileURLWithPath: sandbox + "/kubernetes.json"))
            let objects = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["objects"] as? [[String: Any]] ?? []
            return Set(objects.compactMap { object in (object["plural"] as? String).map { "\($0)/\(object["name"] as? String ?? "")" } })
        }

        /// What of the sandbox is still on the machine: the lab namespaces the runs named,
        /// owner records, and processes running from this directory (the machines).
        func leftovers(_ outputs: [String]) -> [String] {
            let namespaces = outputs.flatMap { output in
                output.split(separator: "\n").compactMap { line in
                    line.split(separator: " ").first { $0.hasPrefix("hklab") }.map {
                        String($0).trimmingCharacters(in: .punctuationCharacters)
                    }
                }
            }
            var found = namespaces.filter { FileManager.default.fileExists(atPath: "/run/netns/\($0)") }.map { "namespace \($0)" }
            for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(pid) != nil {
                let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                if command.contains(path) { found.append("process \(pid): \(command.replacingOccurrences(of: "\0", with: " "))") }
            }
            return found
        }
    }

    @Test func allFiveStagesApplyThenPlanCleanThenOneEditThenDestroy() async throws {
        try #require(geteuid() == 0, "the sandbox needs root (CI runs as root)")
        let workdir = try Workdir()
        var outputs: [String] = []

        let apply = try await workdir.run(["apply", "--sandbox", "--auto-approve"])
        outputs.append(apply.output)
        #expect(apply.status == 0, "\(apply.output)")
        #expect(apply.output.contains("Apply complete! Resources: 10 added, 0 changed, 0 destroyed."), "\(apply.output)")
        // Progress per stage, in one run: the node over SSH, Proxmox, kubeadm, Cilium, a workload.
        for line in [
            "file.pve1//etc/motd: done", "template.ubuntu: done", "vm.k1: done", "cluster.lab: k1: kubeadm init",
            "cluster.lab: k2: kubeadm join", "cni.lab: done", "manifest.lab/greeting: done",
        ] {
            #expect(apply.output.contains(line), "\(line)")
        }
        #expect(try workdir.proxmoxVMs()["100"]?["cores"] == "2")
        #expect(try workdir.proxmoxVMs()["101"]?["ipconfig0"] == "ip=192.168.77.11/24,gw=192.168.77.1")
        let objects = try workdir.kubernetesObjects()
        #expect(objects.isSuperset(of: ["nodes/k1", "nodes/k2", "configmaps/greeting", "daemonsets/cilium"]), "\(objects)")
        // The node's file is on its disk, kept for the next run.
        #expect(
            (try? String(contentsOfFile: workdir.sandbox + "/disks/node-pve1/upper/etc/motd", encoding: .utf8))
                == "A HomelabKit sandbox node.\n")

        let plan = try await workdir.run(["plan", "--sandbox", "--detailed-exitcode"])
        outputs.append(plan.output)
        #expect(plan.status == 0, "\(plan.output)")
        #expect(plan.output.contains("No changes."))

        let edit = try await workdir.run(["plan", "--sandbox", "--detailed-exitcode"], cores: 4)
        outputs.append(edit.output)
        #expect(edit.status == 2, "\(edit.output)")
        #expect(edit.output.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "\(edit.output)")
        #expect(edit.output.contains("# vm.k1 will be updated in-place"))
        let applied = try await workdir.run(["apply", "--sandbox", "--auto-approve"], cores: 4)
        outputs.append(applied.output)
        #expect(applied.output.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "\(applied.output)")
        #expect(try workdir.proxmoxVMs()["100"]?["cores"] == "4")

        let destroy = try await workdir.run(["destroy", "--sandbox", "--auto-approve"], cores: 4)
        outputs.append(destroy.output)
        #expect(destroy.output.contains("Destroy complete! Resources: 0 added, 0 changed, 10 destroyed."), "\(destroy.output)")
        #expect(try workdir.proxmoxVMs().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: workdir.sandbox + "/disks/vm-100"), "a destroyed VM's disk goes")
        #expect(workdir.leftovers(outputs) == [])
    }

    @Test func killedRunsLeaveNothingAndTheNextRunFinishes() async throws {
        try #require(geteuid() == 0, "the sandbox needs root (CI runs as root)")
        let workdir = try Workdir()
        var outputs: [String] = []
        // Killed twice in a row: inside a Proxmox task, then inside kubeadm on a VM.
        for marker in ["vm.k1: cloning", "kubeadm init"] {
            let killed = try await workdir.kill(["apply", "--sandbox", "--auto-approve"], at: marker)
            #expect(killed.contains(marker), "\(killed)")
            outputs.append(killed)
        }
        let apply = try await workdir.run(["apply", "--sandbox", "--auto-approve"])
        outputs.append(apply.output)
        #expect(apply.status == 0, "\(apply.output)")
        #expect(apply.output.contains("Apply complete!"), "\(apply.output)")
        let plan = try await workdir.run(["plan", "--sandbox", "--detailed-exitcode"])
        outputs.append(plan.output)
        #expect(plan.status == 0, "the killed runs' work was finished, nothing made twice: \(plan.output)")
        #expect(Set(try workdir.proxmoxVMs().keys) == ["100", "101", "9000"])
        let destroy = try await workdir.run(["destroy", "--sandbox", "--auto-approve"])
        outputs.append(destroy.output)
        #expect(destroy.status == 0, "\(destroy.output)")
        #expect(workdir.leftovers(outputs) == [])
    }
}
