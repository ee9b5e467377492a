import Foundation
import HomelabKitTesting
import HomelabSandbox

/// The PVE simulator the SSH tests use: the seed's node, checked against the official schema,
/// tasks 50 times faster, one cloud image it can download; its CA written to `caFile`.
enum TestPVE {
    static let image = "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img"
    static let imageSHA256 = String(repeating: "5e", count: 32)

    static func start(caFile: String, guests: (any PVEGuestHost)? = nil) async throws -> ProxmoxSimulator {
        var configuration = PVESimulatorConfiguration()
        configuration.nodes = ["homelabpve01"]
        configuration.schema = try PVESchema.official()
        configuration.taskDurations = PVESimulatorConfiguration.TaskDurations().scaled(0.02)
        configuration.downloads = [image: imageSHA256]
        configuration.guests = guests
        let simulator = try await ProxmoxSimulator.start(configuration)
        try simulator.caPEM.write(toFile: caFile, atomically: false, encoding: .utf8)
        return simulator
    }
}
