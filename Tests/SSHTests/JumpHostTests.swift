import Crypto
import Foundation
import HomelabKitTesting
import SSH
import Testing

/// Connections through jump hosts (`ProxyJump`): each hop is a real sshd, each verified on its own.
@Suite struct JumpHostTests {
    @Test func commandsAndFilesThroughTwoJumpHosts() async throws {
        let (first, second, target) = try await (SSHDHarness.start(), SSHDHarness.start(), SSHDHarness.start())
        var configuration = target.configuration()
        configuration.jumpHosts = [first.configuration(), second.configuration()]
        let connection = try await SSHConnection.connect(configuration)
        #expect(connection.hostKeyFingerprint == target.fingerprint)
        let whoami = try await connection.execute(ShellCommand("sh", "-c", "echo $SSH_CONNECTION"))
        #expect(whoami.succeeded && whoami.standardOutput.hasSuffix(" \(target.port)\n"))
        // Enough bytes both ways to fill the tunnel's buffers many times over.
        let bytes = try await offCooperativePool { (0..<4_000_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) } }
        try await connection.upload(bytes, to: target.directory + "/through.bin")
        #expect(try await connection.download(target.directory + "/through.bin") == bytes)
        let large = try await connection.execute(ShellCommand("head", "-c", "3000000", "/dev/zero"))
        #expect(large.stdout.count == 3_000_000)
    }

    @Test func aJumpHostIsHeldToItsOwnHostKey() async throws {
        let (jump, target, stranger) = try await (SSHDHarness.start(), SSHDHarness.start(), SSHDHarness.start())
        var configuration = target.configuration()
        configuration.jumpHosts = [jump.configuration(hostKeys: .fingerprint(stranger.fingerprint))]
        await #expect(throws: SSHError.hostKeyChanged(host: "[127.0.0.1]:\(jump.port)", fingerprint: jump.fingerprint)) {
            _ = try await SSHConnection.connect(configuration)
        }
    }

    @Test func aTargetTheJumpHostCannotReachIsNamed() async throws {
        let jump = try await SSHDHarness.start()
        var configuration = jump.configuration()
        configuration.port = try SSHDHarness.freePort()
        configuration.jumpHosts = [jump.configuration()]
        await #expect {
            _ = try await SSHConnection.connect(configuration)
        } throws: { error in
            guard case .connectionFailed(let host, let detail) = error as? SSHError else { return false }
            return host == "127.0.0.1" && detail.contains("jump host 127.0.0.1 could not reach it")
        }
    }
}
