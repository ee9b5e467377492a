import Foundation
import HomelabKit
import HomelabKitTesting
import Testing

/// The cidata image is read back by tools nobody here wrote: `isoinfo` (genisoimage) and `blkid`
/// (util-linux), the way cloud-init finds its seed.
@Suite struct CIDataImageTests {
    /// Runs a tool off Swift's cooperative pool (its pipe read and wait block a thread).
    func run(_ arguments: [String]) async throws -> String {
        try await offCooperativePool { try Self.runNow(arguments) }
    }

    static func runNow(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(arguments.joined(separator: " ")): \(output)")
        return output
    }

    @Test func isoinfoAndBlkidReadTheSeed() async throws {
        let userData = "#cloud-config\nautoinstall:\n  version: 1\n" + String(repeating: "# padding to cross a sector\n", count: 100)
        let image = CIDataImage(userData: userData, metaData: "instance-id: k8s-node-template\n")
        let path = ScratchSpace.path("cidata") + ".iso"
        try Data(image.bytes()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let description = try await run(["isoinfo", "-d", "-i", path])
        #expect(description.contains("Volume id: CIDATA"))
        #expect(description.contains("Joliet with UCS level 3 found"))
        let listing = try await run(["isoinfo", "-J", "-f", "-i", path])
        #expect(listing.split(separator: "\n").sorted() == ["/meta-data", "/user-data"])
        #expect(try await run(["isoinfo", "-J", "-x", "/user-data", "-i", path]) == userData)
        #expect(try await run(["isoinfo", "-J", "-x", "/meta-data", "-i", path]) == "instance-id: k8s-node-template\n")
        let label = try await run(["blkid", "-o", "value", "-s", "LABEL", path]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(["cidata", "CIDATA"].contains(label))
    }
}
