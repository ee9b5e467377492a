import Foundation
import HomelabKit
import HomelabSandbox

// The crash campaign of issue #10. It runs the Proxmox simulator in this process, and `CrashLab`
// (a template, VMs cloned from it, data resources) as child processes that it kills with SIGKILL:
// at every journal boundary of an apply and of a destroy (HOMELAB_CRASH_AT_JOURNAL_RECORD), then
// at random moments, one to four times in a row. After each series it reruns without flags until
// the run succeeds, and checks the simulator against the state: nothing outside state, nothing
// lost, nothing created twice, the state readable, no lock left to force-unlock.
//
//   swift run -c release CrashCampaign --kills 200
//
// Exits 1 when any check fails.

struct Options {
    var kills = 200
    var seed: UInt64 = 10
    var lab: String = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("CrashLab").path
    var verbose = false
    /// Every `stride`-th journal boundary is killed (1: every one).
    var stride = 1
}

var options = Options()
var arguments = Array(CommandLine.arguments.dropFirst()).makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--kills": options.kills = arguments.next().flatMap(Int.init) ?? options.kills
    case "--seed": options.seed = arguments.next().flatMap(UInt64.init) ?? options.seed
    case "--lab": options.lab = arguments.next() ?? options.lab
    case "--stride": options.stride = max(1, arguments.next().flatMap(Int.init) ?? 1)
    case "--verbose": options.verbose = true
    default:
        FileHandle.standardError.write(Data("usage: CrashCampaign [--kills N] [--stride K] [--seed S] [--lab PATH] [--verbose]\n".utf8))
        exit(2)
    }
}

struct Figures {
    var kills = 0
    var boundaryKills = 0
    var series = 0
    var converged = 0
    var outsideState = 0
    var lost = 0
    var createdTwice = 0
    var unreadableStates = 0
    var lockRefusals = 0
    var problems: [String] = []
}

enum Goal: String { case apply, destroy }

let directory = NSTemporaryDirectory() + "crash-campaign-\(UUID().uuidString)"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let statePath = directory + "/state.json"
let caFile = directory + "/pve-root-ca.pem"

var configuration = PVESimulatorConfiguration()
configuration.nodes = ["pve"]
configuration.taskDurations = PVESimulatorConfiguration.TaskDurations().scaled(0.15)
configuration.lockTimeout = .seconds(2)
configuration.authenticationFailureDelay = .milliseconds(10)
configuration.downloads = [
    "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img":
        "b1e3f0b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e"
]
let simulator = try await ProxmoxSimulator.start(configuration)
try simulator.caPEM.write(toFile: caFile, atomically: false, encoding: .utf8)
let childEnvironment = ProcessInfo.processInfo.environment.merging([
    "CRASH_LAB_ENDPOINT": simulator.endpoint, "CRASH_LAB_CA_FILE": caFile, "PROXMOX_API_TOKEN": simulator.apiToken,
]) { _, new in new }

var random = SplitMix(state: options.seed)
var figures = Figures()

/// Runs CrashLab; kills it after `killAfter`, or lets a crash point kill it. Returns the exit
/// status (-9 for a kill), what it printed, and whether it died of SIGKILL.
@MainActor func run(_ arguments: [String], killAfter: Duration? = nil, crashAt record: Int? = nil) throws -> (
    status: Int32, output: String, killed: Bool
) {
    var environment = childEnvironment
    if let record { environment["HOMELAB_CRASH_AT_JOURNAL_RECORD"] = String(record) }
    let outputPath = directory + "/run.out"
    let pid = try Spawn.start(
        options.lab, arguments + ["--state", statePath, "--no-color"], outputPath: outputPath, environment: environment)
    let deadline = killAfter.map { ContinuousClock.now + $0 }
    let limit = ContinuousClock.now + .seconds(120)
    var status: Int32 = 0
    while true {
        let done = waitpid(pid, &status, WNOHANG)
        if done == pid { break }
        if let deadline, ContinuousClock.now >= deadline { kill(pid, SIGKILL) }
        if ContinuousClock.now >= limit { kill(pid, SIGKILL) }
        usleep(2_000)
    }
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    let signal = status & 0x7f
    return (signal == 0 ? (status >> 8) & 0xff : -signal, output, signal == SIGKILL)
}

@MainActor func note(_ output: String) {
    if output.contains("is locked:") { figures.lockRefusals += 1 }
    if output.contains("is already used") { figures.createdTwice += 1 }
}

@MainActor func command(_ goal: Goal) -> [String] { [goal.rawValue, "--auto-approve"] }

/// Reruns without flags until a run succeeds (at most three), then checks everything.
@MainActor func converge(_ goal: Goal, label: String) async throws {
    figures.series += 1
    var succeeded = false
    var last = ""
    for _ in 0..<3 {
        let (status, output, _) = try run(command(goal))
        note(output)
        last = output
        if status == 0 {
            succeeded = true
            break
        }
    }
    let (planStatus, planOutput, _) = try run(["plan", "--detailed-exitcode"] + (goal == .destroy ? ["--destroy"] : []))
    note(planOutput)
    let clean = succeeded && planStatus == 0
    if clean {
        figures.converged += 1
    } else {
        figures.problems.append("\(label): did not converge (plan exit \(planStatus))\n\(last)\n\(planOutput)")
    }

    let state: State
    do {
        state = try FileStateStorage(path: statePath).load() ?? State.empty()
    } catch {
        figures.unreadableStates += 1
        figures.problems.append("\(label): state unreadable: \(error)")
        return
    }
    var tracked = Set<Int>()
    for resource in state.resources.values where resource.provider == "proxmox" {
        if let vmid = resource.attributes["vmid"]?.intValue { tracked.insert(vmid) }
    }
    let real = Set(await simulator.vmIDs())
    let outside = real.subtracting(tracked)
    let lost = tracked.subtracting(real)
    figures.outsideState += outside.count
    figures.lost += lost.count
    if !outside.isEmpty { figures.problems.append("\(label): VMs outside state: \(outside.sorted())") }
    if !lost.isEmpty { figures.problems.append("\(label): state entries with no VM: \(lost.sorted())") }
    var names: [String: Int] = [:]
    for vmid in real { if let name = await simulator.vmConfig(vmid)?["name"] { names[name, default: 0] += 1 } }
    let duplicates = names.filter { $0.value > 1 }
    figures.createdTwice += duplicates.count
    if !duplicates.isEmpty { figures.problems.append("\(label): duplicate VMs \(duplicates)") }
    let expected = goal == .apply ? 6 : 0
    if clean && real.count != expected { figures.problems.append("\(label): \(real.count) VMs after \(goal), expected \(expected)") }
    if options.verbose { print("\(label): converged=\(clean) vms=\(real.count) state=\(state.resources.count)") }
}

let start = ContinuousClock.now

// 1. Every journal boundary: from empty state an apply killed right after its n-th journal
// record, and from the full lab a destroy killed likewise; one to three times in a row at the
// same boundary (each rerun continues the journal the last one left), then converged. At most a
// quarter of the kills each.
for goal in [Goal.apply, .destroy] {
    var record = 1
    let budget = figures.kills + max(1, options.kills / 4)
    sweep: while figures.kills < budget {
        if goal == .apply {
            try await converge(.destroy, label: "reset before apply boundary \(record)")
        } else {
            try await converge(.apply, label: "reset before destroy boundary \(record)")
        }
        let inARow = 1 + record % 3
        for _ in 0..<inARow where figures.kills < budget {
            let (_, output, killed) = try run(command(goal), crashAt: record)
            note(output)
            guard killed else { break sweep }
            figures.kills += 1
            figures.boundaryKills += 1
        }
        try await converge(goal, label: "\(goal) killed \(inARow)x at journal record \(record)")
        record += options.stride
    }
}

// 2. Random moments, one to four kills in a row before each rerun, alternating apply and destroy.
var goal = Goal.apply
while figures.kills < options.kills {
    let inARow = Int.random(in: 1...4, using: &random)
    for _ in 0..<inARow where figures.kills < options.kills {
        let delay = Duration.milliseconds(Int.random(in: 20...2_500, using: &random))
        let (_, output, killed) = try run(command(goal), killAfter: delay)
        note(output)
        if killed { figures.kills += 1 }
    }
    try await converge(goal, label: "\(goal) after \(inARow) random kill(s)")
    goal = goal == .apply ? .destroy : .apply
}
await simulator.shutdown()

let elapsed = ContinuousClock.now - start
let rate = figures.series == 0 ? 0 : Double(figures.converged) / Double(figures.series) * 100
print(
    """
    | kills (at journal boundaries) | reruns that converged | VMs outside state | state entries with no VM | created twice | unreadable states | locks refused |
    |---|---|---|---|---|---|---|
    | \(figures.kills) (\(figures.boundaryKills)) | \(figures.converged) of \(figures.series) (\(String(format: "%.0f", rate)) %) | \(figures.outsideState) | \(figures.lost) | \(figures.createdTwice) | \(figures.unreadableStates) | \(figures.lockRefusals) |
    seed \(options.seed), \(elapsed.components.seconds) s
    """)
for problem in figures.problems.prefix(10) { print("problem: \(problem)") }
let passed =
    figures.problems.isEmpty && figures.outsideState == 0 && figures.lost == 0 && figures.createdTwice == 0
    && figures.unreadableStates == 0 && figures.lockRefusals == 0 && figures.converged == figures.series
// `exit` skips the `defer` above: remove the state and CA files here.
try? FileManager.default.removeItem(atPath: directory)
exit(passed ? 0 : 1)
