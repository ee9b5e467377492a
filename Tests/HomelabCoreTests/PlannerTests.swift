import HomelabKit
import HomelabKitTesting
import Testing

/// A small description with a custom resource type whose `zone` forces replacement.
func recordLab(size: Int = 1, zone: String = "a", extra: Bool = true, trigger: Value = "v1") -> Lab {
    Lab("test") {
        DataResource("version", input: trigger, triggersReplace: trigger)
        Record("db", size: size, zone: zone)
        Record("web", size: 1, zone: "a", dependsOn: ["record.db"], replaceTriggeredBy: ["data.version"])
        if extra { Record("cache", size: 1, zone: "a", dependsOn: ["record.db"]) }
    }
}

struct Record: LabContent {
    static let type = ResourceType(name: "test_record", provider: "records", replaceOnChange: ["zone"])
    static let finishingType = ResourceType(name: "test_record", provider: "records", replaceOnChange: ["zone"], taintedRecovery: .finish)
    var name: String
    var finishesWhenTainted = false
    var size: Int
    var zone: String
    var dependsOn: [String] = []
    var replaceTriggeredBy: [String] = []
    var location: HomelabCore.SourceLocation

    init(
        _ name: String, size: Int, zone: String, dependsOn: [String] = [], replaceTriggeredBy: [String] = [],
        finishesWhenTainted: Bool = false, fileID: String = #fileID, line: Int = #line, column: Int = #column
    ) {
        self.name = name
        self.finishesWhenTainted = finishesWhenTainted
        self.size = size
        self.zone = zone
        self.dependsOn = dependsOn
        self.replaceTriggeredBy = replaceTriggeredBy
        self.location = HomelabCore.SourceLocation(fileID: fileID, line: line, column: column)
    }

    func compile(into graph: inout GraphBuilder) {
        graph.add(
            ResourceSpec(
                address: ResourceAddress(kind: "record", name: name), type: finishesWhenTainted ? Self.finishingType : Self.type,
                attributes: ["size": .int(size), "zone": .string(zone), "id": .unknown],
                location: location,
                references: graph.references(dependsOn, purpose: "dependsOn", at: location),
                replaceTriggeredBy: graph.references(replaceTriggeredBy, purpose: "replaceTriggeredBy", at: location)
            )
        )
    }
}

@Suite struct PlannerTests {
    @Test func createsEverythingFromEmptyStateInDependencyOrder() async throws {
        let test = try TestWorkspace(lab: recordLab())
        let plan = try await test.plan()
        #expect(plan.actionLines == ["+ data.version", "+ record.db", "+ record.web", "+ record.cache"])
        #expect(plan.change(for: "record.web")?.dependencies == ["record.db", "data.version"])
    }

    @Test func inPlaceUpdateReplacementDeleteAndNoOp() async throws {
        let test = try TestWorkspace(lab: recordLab())
        try await test.apply()
        #expect(try await !test.plan().hasChanges)

        let resized = test.replacing(graph: try recordLab(size: 2).compile())
        let update = try await resized.plan()
        #expect(update.actionLines == ["~ record.db"])
        let diff = try #require(update.change(for: "record.db")?.diffs.first)
        #expect(diff.path.description == "size" && diff.before == 1 && diff.after == 2 && !diff.forcesReplacement)

        let moved = test.replacing(graph: try recordLab(zone: "b").compile())
        let replace = try await moved.plan()
        #expect(replace.actionLines == ["-/+ record.db"])
        #expect(replace.change(for: "record.db")?.diffs.first?.forcesReplacement == true)

        let smaller = test.replacing(graph: try recordLab(extra: false).compile())
        #expect(try await smaller.plan().actionLines == ["- record.cache"])
    }

    @Test func dataResourceTriggersReplacementOfDependents() async throws {
        let test = try TestWorkspace(lab: recordLab())
        try await test.apply()
        let bumped = test.replacing(graph: try recordLab(trigger: "v2").compile())
        let plan = try await bumped.plan()
        #expect(plan.actionLines == ["-/+ data.version", "-/+ record.web"])
        #expect(plan.change(for: "record.web")?.reasons == ["data.version is planned to replace"])
        try await bumped.apply()
        let state = try bumped.workspace.loadState()
        #expect(state["data.version"]?.attributes["output"] == "v2")
    }

    @Test func replaceTargetAndExclude() async throws {
        let test = try TestWorkspace(lab: recordLab())
        #expect(try await test.plan(PlanOptions(targets: ["record.web"])).actionLines == ["+ data.version", "+ record.db", "+ record.web"])
        #expect(try await test.plan(PlanOptions(excludes: ["record.db"])).actionLines == ["+ data.version"])
        try await test.apply()
        #expect(try await test.plan(PlanOptions(replace: ["record.cache"])).actionLines == ["-/+ record.cache"])
        await #expect(throws: PlanError.self) { try await test.plan(PlanOptions(targets: ["record.nope"])) }
    }

    @Test func refreshShowsDriftAndCanBeSkipped() async throws {
        let test = try TestWorkspace(lab: recordLab())
        try await test.apply()
        let provider = try #require(test.providers["records"])
        var changed = try #require(provider.remote["record.db"]?.objectValue)
        changed["size"] = 5
        provider.setRemote("record.db", .object(changed))
        provider.setRemote("record.cache", nil)

        let plan = try await test.plan()
        #expect(plan.drift.map(\.address) == ["record.cache", "record.db"])
        #expect(plan.drift.first { $0.address == "record.db" }?.diffs.first?.after == 5)
        #expect(plan.actionLines == ["~ record.db", "+ record.cache"])

        let before = provider.calls.count
        let skipped = try await test.plan(PlanOptions(refresh: false))
        #expect(!skipped.hasChanges)
        #expect(provider.calls.count == before)
    }

    @Test func destroyDeletesDependentsFirst() async throws {
        let test = try TestWorkspace(lab: recordLab())
        try await test.apply()
        let provider = try #require(test.providers["records"])
        let result = try await test.apply(PlanOptions(destroy: true), parallelism: 1)
        #expect(result.destroyed == 4)
        let deletes = provider.calls.filter { $0.operation == "delete" }.map(\.address.description)
        let db = try #require(deletes.firstIndex(of: "record.db"))
        #expect(try #require(deletes.firstIndex(of: "record.web")) < db)
        #expect(try #require(deletes.firstIndex(of: "record.cache")) < db)
        #expect(try test.workspace.loadState().resources.isEmpty)
    }

    @Test func savedPlanIsRefusedOnceStateMoved() async throws {
        let test = try TestWorkspace(lab: recordLab())
        let state = try test.workspace.loadState()
        let saved = try Plan.decode(try await test.workspace.plan(state: state).encoded())
        try await test.apply()
        await #expect(throws: StateError.self) {
            try await test.workspace.revalidate(saved: saved, state: test.workspace.loadState())
        }
        let current = try test.workspace.loadState()
        let fresh = try Plan.decode(try await test.workspace.plan(state: current).encoded())
        #expect(try await test.workspace.revalidate(saved: fresh, state: current).actionLines.isEmpty)
    }

    @Test func savedPlanIsRefusedWhenTheDescriptionChanged() async throws {
        let test = try TestWorkspace(lab: recordLab())
        try await test.apply()
        let state = try test.workspace.loadState()
        let resized = test.replacing(graph: try recordLab(size: 2).compile())
        let saved = try Plan.decode(try await resized.workspace.plan(state: state).encoded())
        let again = test.replacing(graph: try recordLab(size: 3).compile())
        await #expect(throws: PlanError.self) { try await again.workspace.revalidate(saved: saved, state: state) }
    }
}
