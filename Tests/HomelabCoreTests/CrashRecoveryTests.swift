import Foundation
import HomelabKit
import HomelabKitTesting
import Testing

/// Issue #10: a crash at any instant, repeated, loses nothing and creates nothing twice; apply
/// reports only what happened. Each test reproduces one cause the issue lists.
@Suite struct CrashRecoveryTests {
    private static let type = ResourceType(name: "test_record", provider: "records")

    private func record(_ name: String, _ attributes: Value = ["size": 1, "zone": "a", "id": "x"]) -> ResourceState {
        ResourceState(address: ResourceAddress(kind: "record", name: name), type: Self.type, attributes: attributes, dependencies: [])
    }

    private func pending(_ name: String) -> PendingOperation {
        PendingOperation(address: ResourceAddress(kind: "record", name: name), action: "create", type: "test_record", provider: "records")
    }

    // (a) and point 1: three runs die in a row, each after finishing one create; nothing is forgotten.
    @Test func theJournalSurvivesThreeCrashesInARow() throws {
        let path = try temporaryDirectory() + "/state.json"
        let storage = FileStateStorage(path: path)
        var state = try storage.load() ?? State.empty()
        for name in ["first", "second", "third"] {
            // A run: journal records, then death before commit (the store is simply dropped).
            let store = StateStore(storage: storage, state: state)
            try store.begin(pending(name))
            try store.put(record(name))
            try store.begin(pending("\(name)-halfway"))
            state = try #require(try storage.load())
            #expect(state.resources.count == ["first", "second", "third"].firstIndex(of: name).map { $0 + 1 })
        }
        #expect(state.resources.keys.map(\.name).sorted() == ["first", "second", "third"])
        #expect(state.pendingOperations.map(\.address.name).sorted() == ["first-halfway", "second-halfway", "third-halfway"])
        #expect(!FileManager.default.fileExists(atPath: path), "nothing committed: everything lives in the journal")
    }

    @Test func aTornRecordIsCutBeforeTheNextRunAppends() throws {
        let path = try temporaryDirectory() + "/state.json"
        let storage = FileStateStorage(path: path)
        let first = StateStore(storage: storage, state: State.empty())
        try first.put(record("a"))
        let handle = try #require(FileHandle(forWritingAtPath: path + ".journal"))
        handle.seekToEndOfFile()
        handle.write(Data("{\"kind\":\"put\",\"addr".utf8))
        try handle.close()
        let second = StateStore(storage: storage, state: try #require(try storage.load()))
        try second.put(record("b"))
        #expect(try #require(try storage.load()).resources.keys.map(\.name).sorted() == ["a", "b"])
    }

    @Test func aJournalOfAnotherStateIsReportedNotIgnored() async throws {
        let path = try temporaryDirectory() + "/state.json"
        let storage = FileStateStorage(path: path)
        let store = StateStore(storage: storage, state: State.empty())
        try store.put(record("a"))
        try store.commit()
        // A journal that continues serial 7 of another lineage (a state file swapped underneath).
        let foreign = "{\"journal\":1,\"lineage\":\"other\",\"serial\":7}\n"
        try foreign.write(toFile: path + ".journal", atomically: false, encoding: .utf8)
        #expect {
            _ = try storage.load()
        } throws: { error in
            "\(error)".contains("does not continue this state") && "\(error)".contains("other")
        }
        // A journal one serial behind (save died before removing it) is already in the state.
        let saved = try StateFileFormat.decode(try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        try "{\"journal\":1,\"lineage\":\"\(saved.lineage)\",\"serial\":\(saved.serial - 1)}\n".write(
            toFile: path + ".journal", atomically: false, encoding: .utf8)
        #expect(try storage.load()?.resources.count == 1)
        #expect(!FileManager.default.fileExists(atPath: path + ".journal"))
    }

    /// A run that died during the create of `record.<name>` (size `size`), after the object was
    /// made as `remote`: returns the workspace and its provider.
    private func interruptedCreate(_ name: String, size: Int, remote: Value) throws -> (TestWorkspace, InMemoryProvider) {
        let test = try TestWorkspace(lab: Lab("t") { Record(name, size: size, zone: "a") })
        try StateStore(storage: test.storage, state: State.empty()).begin(pending(name))
        let provider = try #require(test.providers["records"])
        provider.setRemote(ResourceAddress(kind: "record", name: name), remote)
        return (test, provider)
    }

    // (b) and point 2: the adopted object ends in state, and the next plan has nothing to do.
    @Test func anAdoptedObjectEndsInState() async throws {
        let (test, provider) = try interruptedCreate("halfway", size: 1, remote: ["size": 1, "zone": "a", "id": "made-before-crash"])

        let plan = try await test.plan()
        #expect(plan.actionLines == ["<= record.halfway"])
        #expect(PlanRenderer().render(plan).contains("1 to adopt"))
        let result = try await test.apply()
        #expect(result.succeeded && result.adopted == 1 && result.added == 0)
        let state = try test.workspace.loadState()
        #expect(state["record.halfway"]?.attributes["id"] == "made-before-crash")
        #expect(state.pendingOperations.isEmpty)
        #expect(!(try await test.plan()).hasChanges)
        #expect(provider.calls.filter { $0.operation == "create" }.isEmpty)
    }

    // (c) and point 2: an adopted object whose first update fails stays in state, tainted.
    @Test func anAdoptedObjectWhoseUpdateFailsIsKeptTainted() async throws {
        let (test, provider) = try interruptedCreate("locked", size: 2, remote: ["size": 1, "zone": "a", "id": "half"])
        provider.failNext("update record.locked")

        let result = try await test.apply()
        #expect(result.failures.map(\.address) == ["record.locked"] && result.tainted == ["record.locked"])
        let state = try test.workspace.loadState()
        #expect(state["record.locked"]?.isTainted == true)
        #expect(state.pendingOperations.isEmpty)
        let next = try await test.plan()
        #expect(next.actionLines == ["-/+ record.locked"])
        #expect(next.changes.first?.reasons.contains { $0.contains("tainted") } == true)
    }

    // (c) and point 3: a create that fails after its object exists leaves it in state, tainted;
    // the next apply replaces it (the type's choice) and nothing is created twice at once.
    @Test func aCreateThatFailsAfterTheObjectExistsIsTaintedThenReplaced() async throws {
        let test = try TestWorkspace(lab: Lab("t") { Record("vm", size: 1, zone: "a") })
        let provider = try #require(test.providers["records"])
        provider.failAfterCreating("record.vm")
        let first = try await test.apply()
        #expect(first.added == 0 && first.tainted == ["record.vm"])
        #expect(try test.workspace.loadState()["record.vm"]?.isTainted == true)

        let second = try await test.apply()
        #expect(second.succeeded && second.added == 1 && second.destroyed == 1)
        #expect(try test.workspace.loadState()["record.vm"]?.isTainted == false)
        #expect(
            provider.calls.map(\.description).filter { !$0.hasPrefix("read") } == [
                "create record.vm", "delete record.vm", "create record.vm",
            ])
    }

    @Test func aTypeThatFinishesItsTaintedObjectsUpdatesThemInPlace() async throws {
        let test = try TestWorkspace(lab: Lab("t") { Record("net", size: 1, zone: "a", finishesWhenTainted: true) })
        let provider = try #require(test.providers["records"])
        provider.failAfterCreating("record.net")
        _ = try await test.apply()
        let plan = try await test.plan()
        #expect(plan.actionLines == ["~ record.net"])
        let result = try await test.apply()
        #expect(result.succeeded && result.changed == 1)
        #expect(try test.workspace.loadState()["record.net"]?.isTainted == false)
    }

    // (c): a create that fails without knowing whether its object exists keeps its intent, so the
    // next plan looks for the object instead of creating a second one.
    @Test func aFailedCreateKeepsItsIntentUntilTheObjectIsFoundOrKnownGone() async throws {
        let test = try TestWorkspace(lab: Lab("t") { Record("maybe", size: 1, zone: "a") })
        let provider = try #require(test.providers["records"])
        provider.failNext("create record.maybe")
        _ = try await test.apply()
        #expect(try test.workspace.loadState().pendingOperations.map(\.address) == ["record.maybe"])
        // It did not come to exist: the next plan creates it, and the intent ends.
        let result = try await test.apply()
        #expect(result.succeeded && result.added == 1)
        #expect(try test.workspace.loadState().pendingOperations.isEmpty)
    }

    // Point 4 and (h): a create or update the provider did not really make fails, naming each
    // attribute with both values; summaries count what happened.
    @Test func aReadBackThatDiffersIsAnInconsistentResult() async throws {
        let test = try TestWorkspace(lab: Lab("t") { Record("disk", size: 1, zone: "a") })
        let provider = try #require(test.providers["records"])
        try await test.apply()
        provider.ignoreWrites(of: "size", for: "record.disk")
        let edited = test.replacing(graph: try Lab("t") { Record("disk", size: 9, zone: "a") }.compile())
        let result = try await edited.apply()
        #expect(result.changed == 0 && result.failures.count == 1)
        let message = try #require(result.failures.first?.message)
        #expect(message.contains("inconsistent result after apply"))
        #expect(message.contains("size: asked 9, but it is 1"))
        // The next plan still shows the change: nothing claims it happened.
        #expect(try await edited.plan().actionLines == ["~ record.disk"])
    }

    @Test func aReplacementWhoseCreateFailsCountsItsDestroy() async throws {
        let test = try TestWorkspace(lab: Lab("t") { Record("r", size: 1, zone: "a") })
        try await test.apply()
        let provider = try #require(test.providers["records"])
        provider.failNext("create record.r")
        let moved = test.replacing(graph: try Lab("t") { Record("r", size: 1, zone: "b") }.compile())
        let result = try await moved.apply()
        #expect(result.destroyed == 1 && result.added == 0 && result.failures.count == 1)
    }

    // (d) and point 5: destroy forgets objects that are already gone, and says so in the plan.
    @Test func destroyForgetsWhatIsAlreadyGone() async throws {
        let test = try TestWorkspace(
            lab: Lab("t") {
                Record("kept", size: 1, zone: "a")
                Record("gone", size: 1, zone: "a")
            })
        try await test.apply()
        let provider = try #require(test.providers["records"])
        provider.setRemote("record.gone", nil)
        let plan = try await test.plan(PlanOptions(destroy: true))
        #expect(Set(plan.actionLines) == ["- record.kept", "x record.gone"])
        #expect(PlanRenderer().render(plan).contains("record.gone will be removed from state"))
        let result = try await test.apply(PlanOptions(destroy: true))
        #expect(result.succeeded && result.destroyed == 1 && result.forgotten == 1)
        #expect(try test.workspace.loadState().resources.isEmpty)
        #expect(!provider.calls.contains { $0.description == "delete record.gone" })
    }

    @Test func anUndeclaredObjectOfAnInterruptedCreateIsStillFoundAndDeleted() async throws {
        let test = try TestWorkspace(lab: Lab("t") { Record("dropped", size: 1, zone: "a") })
        let provider = try #require(test.providers["records"])
        // The object exists and its create's intent is recorded; then the description drops it.
        let store = StateStore(storage: test.storage, state: State.empty())
        try store.begin(
            PendingOperation(
                address: "record.dropped", action: "create", type: "test_record", provider: "records",
                intended: record("dropped", ["size": 1, "zone": "a"])))
        try store.commit()
        provider.setRemote("record.dropped", ["size": 1, "zone": "a", "id": "orphan"])
        let empty = test.replacing(graph: try Lab("t") {}.compile())
        #expect(try await empty.plan().actionLines == ["- record.dropped"])
        provider.setRemote("record.dropped", nil)
        #expect(try await empty.plan().actionLines == ["x record.dropped"])
        try await empty.apply()
        #expect(try empty.workspace.loadState().pendingOperations.isEmpty)
    }

    // (e) and point 6: the kernel's lock.
    @Test func theLockIsTheKernelsAndNeverEmpty() throws {
        let path = try temporaryDirectory() + "/state.json"
        let storage = FileStateStorage(path: path)
        // An empty lock file (left by a full disk) is no lock.
        #expect(FileManager.default.createFile(atPath: path + ".lock", contents: Data()))
        let first = try storage.lock(operation: "apply")
        let info = try JSONDecoder().decode(LockInfo.self, from: Data(contentsOf: URL(fileURLWithPath: path + ".lock")))
        #expect(info.id == first.id)
        // Held: a second taker is refused and told who holds it.
        #expect {
            _ = try storage.lock(operation: "plan")
        } throws: { "\($0)".contains(first.id) }
        // Held with unreadable information: force-unlock can still clear it.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: path + ".lock"))
        #expect {
            _ = try storage.lock(operation: "plan")
        } throws: { "\($0)".contains("force-unlock \(LockInfo.unreadableID)") }
        try storage.forceUnlock(id: LockInfo.unreadableID)
        let second = try storage.lock(operation: "plan")
        try storage.unlock(second)
        try storage.unlock(first)
        #expect(!FileManager.default.fileExists(atPath: path + ".lock"))
    }

    @Test func onlyOneOfManyRacingRunsHoldsTheLock() async throws {
        let path = try temporaryDirectory() + "/state.json"
        for _ in 0..<40 {
            let holders = await withTaskGroup(of: LockInfo?.self) { group in
                for _ in 0..<6 {
                    group.addTask { try? FileStateStorage(path: path).lock(operation: "apply") }
                }
                var held: [LockInfo] = []
                for await lock in group { if let lock { held.append(lock) } }
                return held
            }
            #expect(holders.count == 1)
            for lock in holders { try FileStateStorage(path: path).unlock(lock) }
        }
    }

    @Test func theHolderIsNamedWithoutUSER() throws {
        unsetenv("USER")
        unsetenv("LOGNAME")
        let info = LockInfo.current(operation: "apply")
        #expect(!info.who.hasPrefix("unknown@"))
    }

    // (i): a symlinked state file stays a link, and its target gets the new version.
    @Test func aSymlinkedStateFileIsWrittenThrough() async throws {
        let directory = try temporaryDirectory()
        let target = directory + "/real.json"
        let link = directory + "/state.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.json")
        let storage = FileStateStorage(path: link)
        for name in ["a", "b"] {
            let store = StateStore(storage: storage, state: try storage.load() ?? State.empty())
            try store.put(record(name))
            try store.commit()
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.json")
        let saved = try StateFileFormat.decode(try Data(contentsOf: URL(fileURLWithPath: target)), path: target)
        #expect(saved.resources.count == 2 && saved.serial == 2)
    }
}
