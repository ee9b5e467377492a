import Foundation
import HomelabKitTesting
import HomelabSandbox
import Testing

/// The sandbox rebuilds its apt archives at every start, while a node's apt lists outlive a
/// destroy (nodes are not destroyed). A published version must keep its bytes, as in Debian's
/// archive, or the next apply's `apt-get install` fails with a hash mismatch: the crash campaign
/// found that in every apply that followed a destroy.
@Suite struct SandboxArchiveTests {
    @Test func aPackageVersionKeepsItsBytesAcrossRebuilds() async throws {
        let directory = try ScratchSpace.directory("archive")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = DisposableRoot.fixtures + "/make-archive.sh"
        let spec = directory + "/spec"
        try """
        package vim 0.0~sandbox1
        package containerd.io 1.7.0-1.1 \(DisposableRoot.fixtures)/packages/containerd.io
        repo deb.debian.org /debian bookworm main
        key deb.debian.org /debian/archive-key.asc

        """.write(toFile: spec, atomically: true, encoding: .utf8)
        var lists: [String] = []
        for build in 1...2 {
            let root = "\(directory)/internet-\(build)"
            let (status, output) = try await offCooperativePool { try Spawn.run("/bin/sh", [script, root, directory + "/keys", spec]) }
            #expect(status == 0, "\(output)")
            lists.append(
                try String(contentsOfFile: root + "/deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages", encoding: .utf8))
            // dpkg-deb's timestamps have a one-second resolution: the second build is a later second.
            try await Task.sleep(for: .milliseconds(1_100))
        }
        #expect(lists[0].contains("SHA256: ") && lists[0].contains("Package: containerd.io"))
        #expect(lists[0] == lists[1], "the Packages files differ:\n\(lists[0])\n---\n\(lists[1])")
    }
}
