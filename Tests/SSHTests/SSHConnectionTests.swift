import Crypto
import Foundation
import HomelabKitTesting
import HomelabSandbox
import SSH
import Testing

/// libssh2 against a real OpenSSH server.
@Suite struct SSHConnectionTests {
    @Test func execReturnsExitStatusAndBothStreams() async throws {
        let sshd = try await SSHDHarness.start()
        let connection = try await SSHConnection.connect(sshd.configuration())
        #expect(connection.hostKeyFingerprint == sshd.fingerprint)
        let ok = try await connection.execute(ShellCommand("sh", "-c", "echo out; echo err >&2; exit 3"))
        #expect(ok.exitStatus == 3 && ok.standardOutput == "out\n" && ok.standardError == "err\n")
        let input = try await connection.execute(ShellCommand("tr", "a-z", "A-Z"), input: Array("hello\n".utf8))
        #expect(input.standardOutput == "HELLO\n" && input.succeeded)
        // Large output on both streams at once must not deadlock on a full window.
        let large = try await connection.execute(ShellCommand("sh", "-c", "head -c 8000000 /dev/zero; head -c 3000000 /dev/zero >&2"))
        #expect(large.stdout.count == 8_000_000 && large.stderr.count == 3_000_000)
    }

    @Test func everyKeyTypeAndAPassphrase() async throws {
        let sshd = try await SSHDHarness.start()
        for type in SSHDHarness.keyTypes {
            let connection = try await SSHConnection.connect(sshd.configuration(key: "id_\(type)"))
            #expect(try await connection.execute(ShellCommand("true")).succeeded, "\(type)")
        }
        let unlocked = try await SSHConnection.connect(sshd.configuration(key: "id_protected", passphrase: SSHDHarness.passphrase))
        #expect(try await unlocked.execute(ShellCommand("true")).succeeded)
        await #expect {
            _ = try await SSHConnection.connect(sshd.configuration(key: "id_protected", passphrase: "wrong"))
        } throws: { error in
            guard case .authenticationFailed = error as? SSHError else { return false }
            return !"\(error)".contains("wrong")
        }
    }

    @Test func aKeyTheServerDoesNotKnowIsRefused() async throws {
        let sshd = try await SSHDHarness.start()
        await #expect {
            _ = try await SSHConnection.connect(sshd.configuration(key: "id_stranger"))
        } throws: { error in
            guard case .authenticationFailed = error as? SSHError else { return false }
            return true
        }
    }

    @Test func hostKeysAreCheckedStrictly() async throws {
        let sshd = try await SSHDHarness.start()
        // A known_hosts that records another key for this host: refused as changed.
        let other = try await SSHDHarness.start()
        let wrong = sshd.directory + "/wrong_known_hosts"
        let otherKey = try String(contentsOfFile: other.directory + "/host_ed25519.pub", encoding: .utf8).split(separator: " ")
        try "[127.0.0.1]:\(sshd.port) \(otherKey[0]) \(otherKey[1])\n".write(toFile: wrong, atomically: false, encoding: .utf8)
        await #expect(throws: SSHError.hostKeyChanged(host: "[127.0.0.1]:\(sshd.port)", fingerprint: sshd.fingerprint)) {
            _ = try await SSHConnection.connect(sshd.configuration(hostKeys: .knownHosts(wrong)))
        }
        // Unknown in strict mode: refused. With trust on first use: recorded, then known.
        let empty = sshd.directory + "/empty_known_hosts"
        await #expect(throws: SSHError.unknownHost(host: "[127.0.0.1]:\(sshd.port)", fingerprint: sshd.fingerprint)) {
            _ = try await SSHConnection.connect(sshd.configuration(hostKeys: .knownHosts(empty)))
        }
        _ = try await SSHConnection.connect(sshd.configuration(hostKeys: .trustOnFirstUse(recordingIn: empty)))
        #expect(try String(contentsOfFile: empty, encoding: .utf8).contains("[127.0.0.1]:\(sshd.port)"))
        _ = try await SSHConnection.connect(sshd.configuration(hostKeys: .knownHosts(empty)))
        // A pinned fingerprint needs no file; a wrong pin is refused.
        _ = try await SSHConnection.connect(sshd.configuration(hostKeys: .fingerprint(sshd.fingerprint)))
        await #expect(throws: SSHError.self) {
            _ = try await SSHConnection.connect(sshd.configuration(hostKeys: .fingerprint(other.fingerprint)))
        }
    }

    @Test func agentAuthentication() async throws {
        let sshd = try await SSHDHarness.start()
        let socket = sshd.directory + "/agent.sock"
        let agent = try Spawn.start("/usr/bin/ssh-agent", ["-D", "-a", socket])
        defer { Task.detached { Spawn.stop(agent) } }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { try await Task.sleep(for: .milliseconds(20)) }
        let key = sshd.directory + "/id_ecdsa"
        _ = try await offCooperativePool { try SSHDHarness.run("/usr/bin/ssh-add", [key], environment: ["SSH_AUTH_SOCK": socket]) }
        let connection = try await SSHConnection.connect(sshd.configuration(authentication: .agent(socket: socket)))
        #expect(try await connection.execute(ShellCommand("echo", "via agent")).standardOutput == "via agent\n")
    }

    @Test func fiftyMegabytesUpAndDownAtomically() async throws {
        let sshd = try await SSHDHarness.start()
        let connection = try await SSHConnection.connect(sshd.configuration())
        // Generated and hashed off the cooperative pool: seconds of CPU in a debug build would
        // starve the other tests' tasks.
        let (bytes, localSum) = try await offCooperativePool { () -> ([UInt8], String) in
            var generator = SystemRandomNumberGenerator()
            var bytes = [UInt8](repeating: 0, count: 50_000_000)
            bytes.withUnsafeMutableBytes { buffer in
                for offset in stride(from: 0, to: buffer.count, by: 8) {
                    buffer.storeBytes(of: generator.next() as UInt64, toByteOffset: offset, as: UInt64.self)
                }
            }
            return (bytes, SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
        }
        let path = sshd.directory + "/big.bin"
        try await connection.upload(bytes, to: path, mode: 0o640)
        let remoteSum = try await connection.execute(ShellCommand("sha256sum", path)).standardOutput.prefix(64)
        #expect(String(remoteSum) == localSum)
        #expect(try await connection.execute(ShellCommand("stat", "-c", "%a", path)).standardOutput == "640\n")
        #expect(
            try await connection.execute(ShellCommand("sh", "-c", "ls -a \"$1\" | grep -c homelabkit || true", "sh", sshd.directory))
                .standardOutput == "0\n")
        let back = try await connection.download(path)
        #expect(try await offCooperativePool { back == bytes })
    }

    @Test func twentySessionsInParallel() async throws {
        let sshd = try await SSHDHarness.start()
        let barrier = sshd.directory + "/barrier"
        // A barrier, not a stopwatch: each session marks its arrival and waits (up to 60 s) until all
        // twenty have arrived. Sessions run one after another would never see the other nineteen.
        let script = """
            mkdir -p "$1"; touch "$1/$2"; i=0
            while [ "$(ls "$1" | wc -l)" -lt 20 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
            echo "$2 saw $(ls "$1" | wc -l)"
            """
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let connection = try await SSHConnection.connect(sshd.configuration())
                    return try await connection.execute(ShellCommand("sh", "-c", script, "sh", barrier, "\(index)"))
                        .standardOutput
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(outputs == Set((0..<20).map { "\($0) saw 20\n" }), "every session waited for all the others")
    }

    @Test func aConnectionDroppedMidCommandIsAClearError() async throws {
        let sshd = try await SSHDHarness.start()
        let connection = try await SSHConnection.connect(sshd.configuration())
        // The shell kills the sshd process serving this connection, as a crash or reboot would.
        await #expect {
            _ = try await connection.executeLine("sleep 0.3; kill -9 $PPID; sleep 5")
        } throws: { error in
            guard case .connectionLost(let host, _) = error as? SSHError else { return false }
            return host == "127.0.0.1"
        }
    }
}

/// Commands built from argument lists survive hostile values byte for byte.
@Suite struct ShellQuotingTests {
    static let hostile = [
        "it's", "a \"quoted\" word", "; rm -rf /tmp/never", "$(touch /tmp/pwned)", "`id`", "line\nbreak", "-n", "--help",
        "*", "~root", "tab\there", "back\\slash", "", "$HOME", "!bang", "a'b'\"c\"",
    ]

    @Test func quotingIsPOSIX() {
        #expect(ShellCommand("ls", "-la", "/tmp").line == "ls -la /tmp")
        #expect(ShellCommand.quote("it's") == #"'it'\''s'"#)
        #expect(ShellCommand.quote("") == "''")
        #expect(ShellCommand("rm", "x").sudo().line == "sudo -n -- rm x")
    }

    @Test func hostileValuesArriveExactly() async throws {
        let sshd = try await SSHDHarness.start()
        let connection = try await SSHConnection.connect(sshd.configuration())
        let result = try await connection.execute(ShellCommand(["printf", "%s\\0"] + Self.hostile))
        #expect(result.succeeded)
        let received = result.stdout.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
        #expect(received == Self.hostile)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/pwned"))
    }
}
