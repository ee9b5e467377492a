import Foundation
import HomelabKit
import HomelabKitTesting

// Benchmarks for the engine, side by side with Terraform where the issue names it.
//
//   swift run -c release HomelabBenchmarks            # every scenario, one table
//   swift run -c release HomelabBenchmarks plan 10000 # one scenario, JSON
//   swift run -c release HomelabBenchmarks --hosts    # HomelabKit vs ansible-playbook (needs root)
//   swift run -c release HomelabBenchmarks --kubernetes # HomelabKit vs kubectl apply --server-side
//   swift run -c release HomelabBenchmarks --kubeadm  # the seed's cluster: rerun, minor upgrade (needs root)
//   swift run -c release HomelabBenchmarks --sandbox  # the whole seed in the sandbox (needs root)
//
// Each scenario runs in its own process so its peak RSS is its own.

/// N independent data resources, like N `terraform_data` blocks.
func syntheticLab(_ count: Int) -> Lab {
    Lab("bench") {
        for index in 0..<count { DataResource("r\(index)", input: ["id": .int(index)]) }
    }
}

func peakRSSMegabytes(children: Bool = false) -> Double {
    var usage = rusage()
    getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func temporaryDirectory(_ name: String) throws -> String {
    try ScratchSpace.directory("bench-\(name)")
}

struct Measurement: Codable {
    var seconds: Double
    var peakRSSMB: Double
    var detail: String
    /// Scenario-specific figures (API calls, notice delays).
    var values: [String: Double]? = nil
}

/// Compile and plan from empty state, no refresh.
func planScenario(_ count: Int) async throws -> Measurement {
    let start = ContinuousClock.now
    let graph = try syntheticLab(count).compile()
    let workspace = Workspace(graph: graph, storage: FileStateStorage(path: "/nonexistent/state.json"), providers: ProviderRegistry())
    let plan = try await workspace.plan(PlanOptions(refresh: false), state: State.empty())
    let elapsed = seconds(since: start)
    return Measurement(seconds: elapsed, peakRSSMB: peakRSSMegabytes(), detail: "\(plan.summary.add) to add")
}

/// Compile, plan and apply with a real state file (journal per operation, one final write).
func applyScenario(_ count: Int) async throws -> Measurement {
    let directory = try temporaryDirectory("apply")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let start = ContinuousClock.now
    let workspace = Workspace(
        graph: try syntheticLab(count).compile(),
        storage: FileStateStorage(path: directory + "/state.json"),
        providers: ProviderRegistry()
    )
    let state = try workspace.loadState()
    let plan = try await workspace.plan(state: state)
    let result = try await workspace.apply(plan, state: state)
    let elapsed = seconds(since: start)
    guard result.succeeded, result.added == count else { throw ProviderError.failed("apply did not add \(count)") }
    return Measurement(seconds: elapsed, peakRSSMB: peakRSSMegabytes(), detail: "\(result.added) added")
}

/// `terraform apply` of N `terraform_data` resources in a fresh directory.
func terraformScenario(_ count: Int) throws -> Measurement {
    let directory = try temporaryDirectory("terraform")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var config = ""
    for index in 0..<count { config += "resource \"terraform_data\" \"r\(index)\" {\n  input = { id = \(index) }\n}\n" }
    try config.write(toFile: directory + "/main.tf", atomically: false, encoding: .utf8)
    func terraform(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["terraform"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        var environment = ProcessInfo.processInfo.environment
        environment["TF_IN_AUTOMATION"] = "1"
        environment["CHECKPOINT_DISABLE"] = "1"
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ProviderError.failed("terraform \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
    try terraform(["init", "-input=false"])
    let start = ContinuousClock.now
    try terraform(["apply", "-auto-approve", "-input=false"])
    let elapsed = seconds(since: start)
    return Measurement(seconds: elapsed, peakRSSMB: peakRSSMegabytes(children: true), detail: "terraform_data")
}

/// Runs one scenario in a child process and reads its JSON.
func runChild(_ arguments: [String]) throws -> Measurement {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw ProviderError.failed("scenario \(arguments) failed") }
    return try JSONDecoder().decode(Measurement.self, from: data)
}

/// Runs a scenario `times` times, each in a fresh process, and keeps the median run: one run of a
/// sub-second scenario on a shared machine varies by ±15 %, too much to compare two sizes.
func medianOfChildren(_ arguments: [String], times: Int = 5) throws -> Measurement {
    var runs: [Measurement] = []
    for _ in 0..<times { runs.append(try runChild(arguments)) }
    runs.sort { $0.seconds < $1.seconds }
    return runs[runs.count / 2]
}

/// The Proxmox provider against the simulator (issue #3).
func printProxmoxTable() throws {
    let one = try runChild(["proxmox", "1"])
    let twenty = try runChild(["proxmox", "20"])
    let notice = try runChild(["tasknotice", "0"])
    print("| Proxmox (simulator, clone 2 s, start 0.8 s) | wall time (s) | API requests | requests per VM | task polls |")
    print("|---|---|---|---|---|")
    for (label, run) in [("clone, configure, start 1 VM", one), ("the same for 20 VMs (parallelism 10)", twenty)] {
        let values = run.values ?? [:]
        print(
            "| \(label) | \(format(run.seconds)) | \(Int(values["requests"] ?? 0)) | \(format(values["perVM"] ?? 0, 1)) | \(Int(values["polls"] ?? 0)) |"
        )
    }
    let values = notice.values ?? [:]
    print("\n| finished task noticed after (5 tasks of 0.6–4.1 s) | mean (ms) | worst (ms) |")
    print("|---|---|---|")
    for (label, key) in [
        ("HomelabKit, adaptive polling (target ≤ 250 ms)", "adaptive"), ("fixed 1 s polling (bpg)", "fixed1s"),
        ("fixed 2 s polling (Telmate)", "fixed2s"),
    ] {
        print("| \(label) | \(format((values["\(key)Mean"] ?? 0) * 1000, 0)) | \(format((values["\(key)Max"] ?? 0) * 1000, 0)) |")
    }
}

func format(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    if arguments.count == 2, let count = Int(arguments[1]) {
        let measurement: Measurement
        switch arguments[0] {
        case "plan": measurement = try await planScenario(count)
        case "apply": measurement = try await applyScenario(count)
        case "terraform": measurement = try terraformScenario(count)
        case "proxmox": measurement = try await proxmoxScenario(count)
        case "tasknotice": measurement = try await taskNoticeScenario()
        case "hosts": measurement = try await HostBenchmark.scenario(count)
        case "kubernetes": measurement = try await KubernetesBenchmark.scenario(count)
        case "kubeadm": measurement = try await KubeadmBenchmark.scenario()
        case "sandbox": measurement = try await SandboxBenchmark.scenario()
        default: throw ProviderError.failed("unknown scenario \(arguments[0])")
        }
        print(String(decoding: try JSONEncoder().encode(measurement), as: UTF8.self))
    } else {
        let skipTerraform = arguments.contains("--no-terraform")
        let onlyProxmox = arguments.contains("--proxmox")
        if arguments.contains("--kubernetes") {
            try printKubernetesTable()
            exit(0)
        }
        if arguments.contains("--hosts") {
            try printHostTable()
            exit(0)
        }
        if arguments.contains("--kubeadm") {
            try printKubeadmTable()
            exit(0)
        }
        if arguments.contains("--sandbox") {
            try printSandboxTable()
            exit(0)
        }
        print("HomelabKit benchmarks (\(ProcessInfo.processInfo.activeProcessorCount) cores)\n")
        if onlyProxmox {
            try printProxmoxTable()
            exit(0)
        }
        let plan10k = try runChild(["plan", "10000"])
        let apply2k = try medianOfChildren(["apply", "2000"])
        let apply10k = try medianOfChildren(["apply", "10000"])
        print("| scenario | wall time (s) | peak RSS (MB) | target |")
        print("|---|---|---|---|")
        print("| compile + plan 10,000 data resources | \(format(plan10k.seconds)) | \(format(plan10k.peakRSSMB, 1)) | ≤ 1 s, ≤ 300 MB |")
        print("| HomelabKit apply 2,000 data resources (median of 5) | \(format(apply2k.seconds)) | \(format(apply2k.peakRSSMB, 1)) | |")
        print(
            "| HomelabKit apply 10,000 data resources (median of 5) | \(format(apply10k.seconds)) | \(format(apply10k.peakRSSMB, 1)) | ≤ 5.5 × the 2,000 run |"
        )
        if !skipTerraform {
            let terraform2k = try runChild(["terraform", "2000"])
            print("| terraform apply 2,000 terraform_data | \(format(terraform2k.seconds)) | \(format(terraform2k.peakRSSMB, 1)) | |")
            print("\nHomelabKit vs Terraform at 2,000: \(format(terraform2k.seconds / apply2k.seconds, 1))× faster (target ≥ 50×)")
        }
        print("10,000 / 2,000 apply time: \(format(apply10k.seconds / apply2k.seconds, 2))× (target ≤ 5.5×)")
        print("")
        try printProxmoxTable()
        print("")
        try printHostTable()
        print("")
        try printKubernetesTable()
        print("")
        try printKubeadmTable()
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
