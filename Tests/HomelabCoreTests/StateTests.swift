import Foundation
import HomelabKit
import HomelabKitTesting
import Testing

/// A fresh directory for one test's state files (removed with the test process's scratch space).
func temporaryDirectory() throws -> String { try ScratchSpace.directory("state") }

func fileMode(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
}

@Suite struct StateTests {
    private func workspace(_ lab: Lab, _ path: String) throws -> Workspace {
        Workspace(graph: try lab.compile(), storage: FileStateStorage(path: path), providers: ProviderRegistry())
    }

    private func applyAll(_ workspace: Workspace) async throws -> ApplyResult {
        let state = try workspace.loadState()
        return try await workspace.apply(try await workspace.plan(state: state), state: state)
    }

    @Test func stateFileIsPrivateVersionedAndBackedUp() async throws {
        let directory = try temporaryDirectory()
        let path = directory + "/state.json"
        let first = try workspace(Lab("t") { DataResource("a", input: "one") }, path)
        _ = try await applyAll(first)
        #expect(try fileMode(path) == 0o600)
        let saved = try #require(try FileStateStorage(path: path).load())
        #expect(saved.serial == 1)
        let second = try workspace(Lab("t") { DataResource("a", input: "two") }, path)
        _ = try await applyAll(second)
        let backup = try StateFileFormat.decode(try Data(contentsOf: URL(fileURLWithPath: path + ".backup")), path: path)
        #expect(backup.serial == 1)
        #expect(backup["data.a"]?.attributes["input"] == "one")
        let current = try #require(try FileStateStorage(path: path).load())
        #expect(current.serial == 2 && current.lineage == saved.lineage)
        #expect(!FileManager.default.fileExists(atPath: path + ".journal"))
        let json = try String(contentsOfFile: path, encoding: .utf8)
        #expect(json.contains("\"formatVersion\" : 1"))
        #expect(json.contains("\"dependencies\""))
    }

    @Test func corruptTruncatedAndNewerFilesGiveClearErrors() throws {
        let directory = try temporaryDirectory()
        let cases: [(String, String)] = [
            ("", "the file is empty"),
            ("{\"formatVersion\": 1, \"serial\": 3, \"lin", "looks truncated"),
            ("{\"serial\": 3}", "no formatVersion"),
            ("{\"formatVersion\": 99}", "newer than this HomelabKit supports"),
        ]
        for (index, (content, expected)) in cases.enumerated() {
            let path = directory + "/s\(index).json"
            try content.write(toFile: path, atomically: false, encoding: .utf8)
            #expect {
                _ = try FileStateStorage(path: path).load()
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }

    @Test func lockIsExclusiveNamesItsHolderAndCanBeForced() throws {
        let path = try temporaryDirectory() + "/state.json"
        let storage = FileStateStorage(path: path)
        let held = try storage.lock(operation: "apply")
        #expect(try fileMode(path + ".lock") == 0o600)
        #expect {
            _ = try storage.lock(operation: "plan")
        } throws: { error in
            "\(error)".contains(held.id) && "\(error)".contains("Operation: apply")
        }
        #expect(throws: StateError.self) { try storage.forceUnlock(id: "wrong") }
        try storage.forceUnlock(id: held.id)
        let again = try storage.lock(operation: "plan")
        try storage.unlock(again)
        #expect(!FileManager.default.fileExists(atPath: path + ".lock"))
    }

    @Test func aLockLeftByADeadProcessIsTakenOver() throws {
        let path = try temporaryDirectory() + "/state.json"
        var stale = LockInfo.current(operation: "apply")
        stale.pid = 999_999  // above Linux's pid_max, so never alive
        try JSONEncoder().encode(stale).write(to: URL(fileURLWithPath: path + ".lock"))
        let lock = try FileStateStorage(path: path).lock(operation: "plan")
        #expect(lock.id != stale.id)
    }

    @Test func aCrashBetweenCreateAndSaveIsRecoveredAndAdopted() async throws {
        let path = try temporaryDirectory() + "/state.json"
        let lab = Lab("t") {
            Record("done", size: 1, zone: "a")
            Record("halfway", size: 1, zone: "a")
        }
        let graph = try lab.compile()
        let provider = InMemoryProvider(name: "records")
        let storage = FileStateStorage(path: path)
        // Simulate a run killed mid-apply: one create finished, one began; the state was never saved.
        let store = StateStore(storage: storage, state: State.empty())
        try store.begin(PendingOperation(address: "record.done", action: "create", type: "test_record", provider: "records"))
        try store.put(
            ResourceState(address: "record.done", type: Record.type, attributes: ["size": 1, "zone": "a", "id": "x"], dependencies: []))
        try store.begin(PendingOperation(address: "record.halfway", action: "create", type: "test_record", provider: "records"))
        provider.setRemote("record.done", ["size": 1, "zone": "a", "id": "x"])
        provider.setRemote("record.halfway", ["size": 1, "zone": "a", "id": "made-before-crash"])
        #expect(!FileManager.default.fileExists(atPath: path))

        let recovered = try #require(try storage.load())
        #expect(recovered["record.done"] != nil)
        #expect(recovered.pendingOperations.map(\.address) == ["record.halfway"])

        let workspace = Workspace(graph: graph, storage: storage, providers: ProviderRegistry([provider]))
        let plan = try await workspace.plan(state: recovered)
        #expect(plan.actionLines == ["<= record.halfway"])
        let result = try await workspace.apply(plan, state: recovered)
        #expect(result.succeeded && result.adopted == 1)
        #expect(provider.calls.filter { $0.operation == "create" }.isEmpty)
        let adopted = try #require(try storage.load())
        #expect(adopted["record.halfway"]?.attributes["id"] == "made-before-crash")
        #expect(adopted.pendingOperations.isEmpty)
    }

    @Test func applyWritesTheWholeStateOnce() async throws {
        let lab = Lab("t") {
            for index in 0..<200 { DataResource("d\(index)", input: .int(index)) }
        }
        let test = try TestWorkspace(lab: lab)
        try await test.apply()
        #expect(test.storage.saveCount == 1)
        #expect(try test.workspace.loadState().resources.count == 200)
    }

    @Test func journalTornLastLineIsIgnored() async throws {
        let path = try temporaryDirectory() + "/state.json"
        let storage = FileStateStorage(path: path)
        let store = StateStore(storage: storage, state: State.empty())
        try store.put(ResourceState(address: "data.a", type: DataResource.type, attributes: ["input": 1], dependencies: []))
        let handle = try #require(FileHandle(forWritingAtPath: path + ".journal"))
        handle.seekToEndOfFile()
        handle.write(Data("{\"kind\":\"put\",\"addr".utf8))
        try handle.close()
        let state = try #require(try storage.load())
        #expect(state.resources.keys.sorted() == ["data.a"])
    }
}
