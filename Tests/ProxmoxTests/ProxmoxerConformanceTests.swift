import Foundation
import HomelabKitTesting
import HomelabSandbox
import Testing

/// A client nobody here wrote, proxmoxer (PyPI), lists nodes, clones a VM and waits for its task
/// against the simulator. `scripts/setup --test` installs it; a missing proxmoxer fails the test.
@Suite struct ProxmoxerConformanceTests {
    @Test func proxmoxerListsNodesClonesAndWaits() async throws {
        let pve = try await PVEHarness.start()
        defer { Task { await pve.shutdown() } }
        await pve.simulator.addVM(
            9000,
            node: "homelabpve01",
            config: [
                "name": "k8s-node-template", "template": "1", "scsi0": "local-lvm:base-9000-disk-0,size=32G",
                "net0": "virtio=BC:24:11:00:00:01,bridge=vmbr0",
            ]
        )
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("proxmoxer_conformance.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        var environment = ProcessInfo.processInfo.environment
        let port = URL(string: pve.simulator.endpoint)?.port ?? 0
        environment["PVE_HOST"] = "127.0.0.1"
        environment["PVE_PORT"] = String(port)
        environment["PVE_TOKEN"] = pve.simulator.apiToken
        environment["PVE_CA"] = pve.caFile
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        // Wait off the cooperative pool: the simulator answers on it while Python waits.
        let text = try await offCooperativePool {
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }
        #expect(process.terminationStatus == 0, "proxmoxer failed:\n\(text)")
        #expect(text.contains("proxmoxer conformance: OK"))
        #expect(await pve.simulator.vmConfig(300)?["name"] == "from-proxmoxer")
        #expect(pve.simulator.schemaViolations == [], "proxmoxer's own requests fit the official schema too")
    }
}
