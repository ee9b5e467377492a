import HomelabKit
import HomelabKitTesting
import Synchronization
import Testing

@Suite struct ExecutorTests {
    @Test func aFailureStopsOnlyItsDependents() async throws {
        let lab = Lab("t") {
            Record("root", size: 1, zone: "a")
            Record("child", size: 1, zone: "a", dependsOn: ["record.root"])
            Record("grandchild", size: 1, zone: "a", dependsOn: ["record.child"])
            Record("independent", size: 1, zone: "a")
        }
        let test = try TestWorkspace(lab: lab)
        try #require(test.providers["records"]).failNext("create record.root")
        let result = try await test.apply()
        #expect(!result.succeeded)
        #expect(result.failures.map(\.address) == ["record.root"])
        #expect(Set(result.skipped) == ["record.child", "record.grandchild"])
        #expect(result.added == 1)
        let state = try test.workspace.loadState()
        #expect(state.resources.keys.sorted() == ["record.independent"])
        // Whether the failed create made its object is unknown: its intent stays for the next plan.
        #expect(state.pendingOperations.map(\.address) == ["record.root"])
    }

    /// As Terraform orders a destroy after the update of what depended on it: a cluster lets a
    /// node leave before the node's VM is deleted, and when it cannot, the VM stays.
    @Test func aDeleteWaitsForTheUpdateOfWhatDependedOnIt() async throws {
        let before = Lab("t") {
            Record("vm", size: 1, zone: "a")
            Record("cluster", size: 1, zone: "a", dependsOn: ["record.vm"])
        }
        let test = try TestWorkspace(lab: before)
        #expect(try await test.apply().succeeded)
        let after = test.replacing(graph: try Lab("t") { Record("cluster", size: 2, zone: "a") }.compile())
        let provider = try #require(after.providers["records"])
        provider.failNext("update record.cluster")
        let failed = try await after.apply()
        #expect(failed.failures.map(\.address) == ["record.cluster"])
        #expect(failed.skipped == ["record.vm"], "the VM is not deleted while the cluster still uses it")
        #expect(try after.workspace.loadState()["record.vm"] != nil)

        let earlier = provider.calls.count
        #expect(try await after.apply().succeeded)
        let order = provider.calls.dropFirst(earlier).filter { $0.operation != "read" }.map(\.description)
        #expect(order == ["update record.cluster", "delete record.vm"])
    }

    @Test func parallelismIsBounded() async throws {
        let lab = Lab("t") {
            for index in 0..<12 { DataResource("d\(index)") }
        }
        let provider = CountingProvider()
        let workspace = Workspace(graph: try lab.compile(), storage: InMemoryStateStorage(), providers: ProviderRegistry())
        let empty = State.empty()
        let plan = try await workspace.plan(state: empty)
        let result = try await workspace.apply(
            plan, state: empty, executor: Executor(providers: ProviderRegistry([provider]), parallelism: 3))
        #expect(result.added == 12)
        #expect(provider.peak == 3)
    }

    @Test func progressLinesForLongOperations() async throws {
        let test = try TestWorkspace(lab: Lab("t") { Record("slow", size: 1, zone: "a") }, latency: .seconds(2))
        let events = Mutex<[String]>([])
        let state = try test.workspace.loadState()
        let plan = try await test.workspace.plan(state: state)
        let executor = Executor(providers: test.workspace.providers, progressInterval: .milliseconds(50))
        _ = try await test.workspace.apply(plan, state: state, executor: executor) { event in
            if case .stillRunning(let address, let action, _) = event {
                events.withLock { $0.append("\(address) \(action.progressive)") }
            }
        }
        // At least one (a loaded machine can delay the ticker; the line itself is what matters).
        #expect(events.withLock { $0.count } >= 1)
        #expect(events.withLock { $0.first } == "record.slow creating")
    }

    @Test func stopSignalStartsNothingNewAndSavesState() async throws {
        let lab = Lab("t") {
            Record("a", size: 1, zone: "a")
            Record("b", size: 1, zone: "a", dependsOn: ["record.a"])
        }
        let test = try TestWorkspace(lab: lab, latency: .milliseconds(50))
        let stop = StopSignal()
        let state = try test.workspace.loadState()
        let plan = try await test.workspace.plan(state: state)
        let executor = Executor(providers: test.workspace.providers, stopSignal: stop)
        let result = try await test.workspace.apply(plan, state: state, executor: executor) { event in
            if case .started = event { stop.stop() }
        }
        #expect(result.interrupted)
        #expect(result.added == 1)
        #expect(result.notStarted == ["record.b"])
        #expect(try test.workspace.loadState().resources.keys.sorted() == ["record.a"])
    }
}

/// Stores like the data provider and tracks how many operations run at once.
final class CountingProvider: Provider {
    let name = "homelab"
    private let counts = Mutex<(running: Int, peak: Int)>((0, 0))

    var peak: Int { counts.withLock { $0.peak } }

    func read(_ request: ReadRequest) async throws -> ReadResponse { ReadResponse(attributes: request.attributes) }
    func create(_ request: CreateRequest) async throws -> CreateResponse {
        counts.withLock {
            $0.running += 1
            $0.peak = max($0.peak, $0.running)
        }
        try await Task.sleep(for: .milliseconds(20))
        counts.withLock { $0.running -= 1 }
        return CreateResponse(attributes: request.attributes)
    }
    func update(_ request: UpdateRequest) async throws -> UpdateResponse { UpdateResponse(attributes: request.attributes) }
    func delete(_ request: DeleteRequest) async throws -> DeleteResponse { DeleteResponse() }
    func importResource(_ request: ImportRequest) async throws -> ImportResponse { throw ProviderError.unsupported("no") }
}
