import Foundation
import HTTP
import HomelabKit
import HomelabSandbox

/// Against the PVE simulator with realistic task durations (clone 2 s, start 0.8 s, resize 0.3 s;
/// 10 s lock timeout): wall time and API calls to clone, configure and start N VMs.
func proxmoxScenario(_ count: Int) async throws -> Measurement {
    let image = "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img"
    let checksum = String(repeating: "ab", count: 32)
    var configuration = benchmarkConfiguration()
    configuration.downloads = [image: checksum]
    let simulator = try await ProxmoxSimulator.start(configuration)
    let caFile = NSTemporaryDirectory() + "bench-pve-ca-\(UUID().uuidString).pem"
    try simulator.caPEM.write(toFile: caFile, atomically: false, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: caFile) }
    let lab = { (vms: Int) in
        Lab("bench") {
            Proxmox(endpoint: simulator.endpoint, token: .environment("PROXMOX_API_TOKEN"), tls: .caFile(caFile)) {
                Node("pve") {
                    Template("k8s-node-template", vmid: 9000, source: .cloudImage(url: image, checksum: "sha256:\(checksum)"))
                    for index in 0..<vms {
                        VM(
                            "vm-\(index)", vmid: 200 + index, from: "k8s-node-template", cores: 2, memory: .mib(4096), disk: .gib(40),
                            ip: "10.0.\(index / 250).\(index % 250 + 2)/16", gateway: "10.0.0.1", user: "media", tags: ["bench"])
                    }
                }
            }
        }
    }
    let provider = ProxmoxProvider(environment: ["PROXMOX_API_TOKEN": simulator.apiToken])
    let storage = FileStateStorage(path: try temporaryDirectory("pve") + "/state.json")
    // The template first, untimed; then the VMs that clone it.
    let base = Workspace(graph: try lab(0).compile(), storage: storage, providers: ProviderRegistry([provider]))
    let empty = try base.loadState()
    guard try await base.apply(base.plan(state: empty), state: empty).succeeded else { throw ProviderError.failed("template failed") }
    let workspace = Workspace(graph: try lab(count).compile(), storage: storage, providers: ProviderRegistry([provider]))
    let state = try workspace.loadState()
    let plan = try await workspace.plan(state: state)
    simulator.resetRequestLog()
    let start = ContinuousClock.now
    let result = try await workspace.apply(plan, state: state)
    let elapsed = seconds(since: start)
    guard result.succeeded, result.added == count else { throw ProviderError.failed("apply failed: \(result.failures.map(\.message))") }
    let requests = simulator.requests
    let polls = requests.filter { $0.hasSuffix("/tasks/{upid}/status") }.count
    await simulator.shutdown()
    return Measurement(
        seconds: elapsed,
        peakRSSMB: peakRSSMegabytes(),
        detail: "\(count) VMs",
        values: ["requests": Double(requests.count), "polls": Double(polls), "perVM": Double(requests.count) / Double(count)]
    )
}

func benchmarkConfiguration() -> PVESimulatorConfiguration {
    var configuration = PVESimulatorConfiguration()
    configuration.latency = .milliseconds(2)
    return configuration
}

/// How long after a task ends its poller notices: HomelabKit's adaptive polling next to fixed
/// 1 s (bpg's provider) and fixed 2 s (Telmate's) polling, on the same tasks of the same simulator.
func taskNoticeScenario() async throws -> Measurement {
    var configuration = benchmarkConfiguration()
    let durations: [Duration] = [.milliseconds(1300), .milliseconds(2700), .milliseconds(600), .milliseconds(4100), .milliseconds(900)]
    configuration.taskDurations.networkReload = .zero
    let simulator = try await ProxmoxSimulator.start(configuration)
    let client = try ProxmoxClient(endpoint: simulator.endpoint, token: simulator.apiToken, tls: TLSOptions(trust: .caPEM(simulator.caPEM)))
    var values: [String: Double] = [:]
    for (name, interval) in [("adaptive", Duration.zero), ("fixed1s", .seconds(1)), ("fixed2s", .seconds(2))] {
        var delays: [Double] = []
        for duration in durations {
            simulator.inject(PVEFault(.slowTask(duration), matching: "PUT /nodes/{node}/network"))
            let dispatched = ContinuousClock.now
            guard let upid = try await client.put("/nodes/pve/network").stringValue.flatMap(UPID.init) else {
                throw ProviderError.failed("no task id")
            }
            if interval == .zero {
                _ = try await client.waitForTask(upid)
            } else {
                while try await client.get("/nodes/pve/tasks/\(PVEFormEncoder.escape(upid.raw))/status")["status"]?.stringValue != "stopped"
                {
                    try await Task.sleep(for: interval)
                }
            }
            delays.append(seconds(since: dispatched) - Double(duration.components.seconds) - Double(duration.components.attoseconds) / 1e18)
        }
        values["\(name)Mean"] = delays.reduce(0, +) / Double(delays.count)
        values["\(name)Max"] = delays.max() ?? 0
    }
    await simulator.shutdown()
    return Measurement(seconds: values["adaptiveMax"] ?? 0, peakRSSMB: peakRSSMegabytes(), detail: "task notice", values: values)
}
