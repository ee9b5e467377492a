import Foundation
import HomelabKit
import HomelabKitTesting
import SmallLabKit
import Testing

@Suite struct SmallLabTests {
    @Test func plansTheLabFromEmptyState() async throws {
        let test = try TestWorkspace(lab: SmallLab.lab)
        let plan = try await test.plan()
        #expect(
            plan.actionLines == [
                "+ data.ubuntu", "+ node.pve-small", "+ hosts.web.lab", "+ hosts.pve.lab", "+ template.ubuntu-24.04", "+ vm.web",
            ])
        #expect(plan.change(for: "vm.web")?.dependencies == ["node.pve-small", "template.ubuntu-24.04", "data.ubuntu"])
    }

    @Test func hostsProviderAppliesAndSeesDrift() async throws {
        let path = ScratchSpace.path("hosts")
        let lab = Lab("hosts") {
            HostsRecord("a.lab", ip: "10.0.0.1")
            HostsRecord("b.lab", ip: "10.0.0.2")
        }
        let workspace = Workspace(
            graph: try lab.compile(),
            storage: InMemoryStateStorage(),
            providers: ProviderRegistry([HostsFileProvider(path: path)])
        )
        var state = try workspace.loadState()
        let result = try await workspace.apply(try await workspace.plan(state: state), state: state)
        #expect(result.added == 2)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "10.0.0.1 a.lab\n10.0.0.2 b.lab\n")

        try "10.0.0.9 a.lab\n10.0.0.2 b.lab\n".write(toFile: path, atomically: true, encoding: .utf8)
        state = try workspace.loadState()
        let plan = try await workspace.plan(state: state)
        #expect(plan.drift.map(\.address) == ["hosts.a.lab"])
        #expect(plan.actionLines == ["~ hosts.a.lab"])
    }

    @Test func badIPPointsAtTheLine() {
        #expect {
            _ = try Lab("x") { HostsRecord("bad", ip: "10.0.0") }.compile()
        } throws: { error in
            "\(error)".contains("SmallLabTests/SmallLabTests.swift:") && "\(error)".contains("'10.0.0' is not an IPv4 address")
        }
    }
}
