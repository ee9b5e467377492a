import Foundation
import HomelabKitTesting
import HomelabSandbox
import Synchronization

// The crash campaign in the sandbox (issue #13 point 8): `SandboxLab` (a node configured over
// SSH, a template, two VMs, kubeadm, Cilium, a workload), or with `--lab seed` the seed homelab
// itself (`Homelab`: 118 resources, all five stages), applied from nothing and destroyed
// entirely, in turn, with `--sandbox`, each run killed with SIGKILL one to three times in a row:
// at a journal boundary (the process kills itself right after its N-th journal record,
// HOMELAB_CRASH_AT_JOURNAL_RECORD, which lands at the start of an SSH, Proxmox, kubeadm or
// Kubernetes operation), after a random time (inside one), or a random time after the first
// operation of a chosen provider began (HOMELAB_CRASH_INSIDE, so kills land inside kubeadm's
// and Kubernetes' few operations too). Only runs the signal ended count as
// kills; where each landed is read from the operations the state records as unfinished.
// After each series a rerun without flags must succeed at once, the next plan must be clean, the
// simulated Proxmox must hold exactly the described VMs (or none after a destroy), and kubeadm
// must never have run init twice without a reset between. At the end nothing may be left.
//
//   swift build --product SandboxLab && swift run SandboxCrashCampaign --kills 200   (as root)
//   swift build --product Homelab && swift run SandboxCrashCampaign --lab seed --kills 200
//
// SIGINT (or Ctrl-C) ends the campaign after the series it is in: the final destroy and the
// figures follow, as at the end. Exits 1 when any check fails.

var kills = 40
var seed: UInt64 = 13
var which = "small"
var arguments = Array(CommandLine.arguments.dropFirst()).makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--kills": kills = arguments.next().flatMap(Int.init) ?? kills
    case "--seed": seed = arguments.next().flatMap(UInt64.init) ?? seed
    case "--lab": which = arguments.next() ?? which
    default:
        FileHandle.standardError.write(Data("usage: SandboxCrashCampaign [--kills N] [--seed S] [--lab small|seed]\n".utf8))
        exit(2)
    }
}

/// What differs between the two labs: the executable, the Proxmox endpoint, the VMs it
/// describes, the control plane's VMID, how many resources it has (a destroy writes about two
/// journal records each, an apply up to four), and how long a run lasts.
struct Target {
    var executable: String
    var proxmox: String
    var described: Set<Int>
    var controlPlane: Int
    var resources: Int
    var longestRun: Double
}
let target =
    which == "seed"
    ? Target(
        executable: "Homelab", proxmox: "192.168.10.2", described: [200, 201, 202, 9000], controlPlane: 200, resources: 118,
        longestRun: 90)
    : Target(
        executable: "SandboxLab", proxmox: "192.168.77.2", described: [100, 101, 9000], controlPlane: 100, resources: 10, longestRun: 25)
let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
let lab = try SandboxedLab(executable: folder.appendingPathComponent(target.executable).path)
var random = SplitMix(state: seed)
var (done, boundaryKills, series, converged, failures) = (0, 0, 0, 0, [String]())
var outputs: [String] = []
/// Where each kill landed: the providers of the operations the killed run started and did not
/// finish, as the state records them, pending or tainted (`between operations` when none: the
/// sandbox's start, a refresh, the plan). Those an earlier killed run left are not counted again.
var landed: [String: Int] = [:]
let started = ContinuousClock.now

@MainActor func pending() -> Set<SandboxRecords.UnfinishedOperation> { (try? lab.records.unfinishedOperations()) ?? [] }

@MainActor func recordWhereTheKillLanded(before: Set<SandboxRecords.UnfinishedOperation>) {
    let providers = Set(pending().subtracting(before).map(\.provider))
    for provider in providers.isEmpty ? ["between operations"] : providers.sorted() { landed[provider, default: 0] += 1 }
}

@MainActor func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { failures.append("series \(series): \(message())") }
}

/// How long a whole run of each command lasts (false: apply, true: destroy), from the first
/// attempt of a series that ended before its timed kill: later timed kills are drawn within it,
/// so that they land inside a run. An attempt that ends first is not counted as a kill.
var runLength: [Bool: Double] = [false: target.longestRun, true: target.longestRun]
var endedBeforeTheKill = 0

/// Set by SIGINT: no new series starts. A handler of its own, since a campaign started in the
/// background by a shell script inherits SIGINT ignored, and a dispatch source never sees an
/// ignored signal on Linux.
let stopRequested = Atomic<Bool>(false)
signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }

var applied = false
while done < kills && !stopRequested.load(ordering: .relaxed) {
    series += 1
    let failuresBefore = failures.count
    // Each series has work to do: an apply from nothing, or a destroy of everything.
    let destroying = applied
    applied.toggle()
    let command = destroying ? ["destroy", "--sandbox", "--auto-approve"] : ["apply", "--sandbox", "--auto-approve"]
    for attempt in 0..<Int.random(in: 1...3, using: &random) where done < kills {
        let before = pending()
        /// Counts `run` as a kill when the signal ended it; returns whether it did.
        func counted(_ run: SandboxedLab.Run) -> Bool {
            outputs.append(run.output)
            guard run.status == -1 else {
                endedBeforeTheKill += 1
                return false
            }
            done += 1
            recordWhereTheKillLanded(before: before)
            return true
        }
        switch Int.random(in: 0..<3, using: &random) {
        case 0:
            let record = Int.random(in: 1...(destroying ? 2 * target.resources : 4 * target.resources), using: &random)
            if counted(try await lab.run(command, environment: ["HOMELAB_CRASH_AT_JOURNAL_RECORD": String(record)])) {
                boundaryKills += 1
            }
        case 1:
            // Inside a provider's operation: kubeadm's and Kubernetes' are few, so a timed kill
            // rarely finds them; this one waits for their first operation to begin.
            let provider = ["kubeadm", "kubeadm", "kubernetes", "host"].randomElement(using: &random) ?? "kubeadm"
            let delay = Int.random(in: 0...(provider == "host" ? 3_000 : 12_000), using: &random)
            _ = counted(try await lab.run(command, environment: ["HOMELAB_CRASH_INSIDE": "\(provider):\(delay)"]))
        default:
            let seconds = Double.random(in: 0.5...max(runLength[destroying, default: target.longestRun], 1), using: &random)
            let attemptStarted = ContinuousClock.now
            let killed = try await lab.kill(command, at: "\u{0}never", timeout: .milliseconds(Int(seconds * 1000)))
            if !counted(killed), attempt == 0 {
                let lasted = attemptStarted.duration(to: .now).components
                runLength[destroying] = Double(lasted.seconds) + Double(lasted.attoseconds) / 1e18
            }
        }
    }
    // The rerun without flags finishes what the killed runs started, at once.
    let rerun = try await (destroying ? lab.destroy() : lab.apply())
    outputs.append(rerun.output)
    check(rerun.status == 0, "the rerun failed: \(rerun.output.split(separator: "\n").filter { $0.hasPrefix("Error") }.joined())")
    if rerun.status != 0 {
        // The whole output stays beside the campaign (the lab's own folder goes at exit).
        let file = "series-\(series)-rerun.log"
        try (outputs.suffix(4).joined(separator: "\n==== next run ====\n")).write(toFile: file, atomically: false, encoding: .utf8)
        failures.append("series \(series): the killed runs' and the rerun's output are in \(file)")
    }
    let plan = try await destroying ? lab.run(["plan", "--sandbox", "--destroy", "--detailed-exitcode"]) : lab.plan()
    check(plan.status == 0, "the next plan is not clean: \(plan.output.suffix(600))")
    let vms = Set(try lab.records.proxmoxVMs(host: target.proxmox).keys)
    check(vms == (destroying ? [] : target.described), "Proxmox holds \(vms.sorted())")
    let log = (lab.records.vmFile(target.controlPlane, "/var/lib/homelab-test/kubeadm.log") ?? "").split(separator: "\n")
    var initialized = false
    for line in log {
        if line.hasPrefix("init") {
            check(!initialized, "kubeadm init ran twice without a reset: \(log)")
            initialized = true
        } else if line == "reset" {
            initialized = false
        }
    }
    if failures.count == failuresBefore { converged += 1 }
    print("series \(series): \(done) kills so far, \(failures.count == failuresBefore ? "converged" : "FAILED")")
    // A failure is printed at once too, so that a campaign stopped early does not lose it.
    for failure in failures[failuresBefore...] { print("  \(failure)") }
    fflush(nil)  // every stream: a long campaign is watched as it goes, also through a pipe or a file
}
let destroy = try await lab.destroy()
outputs.append(destroy.output)
check(destroy.status == 0, "the final destroy failed")
let leftovers = lab.leftovers(outputs)
check(leftovers.isEmpty, "left on the machine: \(leftovers)")
let minutes = Double(started.duration(to: .now).components.seconds) / 60
print("\n| kills | at journal boundaries | series | converged | failures | left behind | minutes |")
print("|---|---|---|---|---|---|---|")
print(
    "| \(done) | \(boundaryKills) | \(series) | \(converged) | \(failures.count) | \(leftovers.count) | \(String(format: "%.1f", minutes)) |"
)
print("\nAttempts that ended before their kill (not counted): \(endedBeforeTheKill)")
print("Kills inside operations of each provider (one kill can land in several):")
for (provider, count) in landed.sorted(by: { $0.key < $1.key }) { print("  \(provider): \(count)") }
for failure in failures { print("FAILED: \(failure)") }
exit(failures.isEmpty ? 0 : 1)
