import Foundation

/// An OpenSSH public key line as sshd reads `authorized_keys` and cloud-init writes it:
/// `[options] type base64 [comment]`. Checked the way openssh-portable's `sshkey_read` and
/// `sshkey_from_blob` (sshkey.c) parse it: a known key type, base64 that decodes to a blob of
/// length-prefixed fields whose first field repeats the type, with nothing left over, and a
/// 32-byte key for Ed25519.
public enum SSHPublicKey {
    /// The key types OpenSSH accepts in `authorized_keys`.
    public static let types: Set<String> = [
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-dss",
    ]

    /// What is wrong with `line` as a public key, or `nil` when OpenSSH would read it.
    public static func problem(in line: String) -> String? {
        let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
        // Options may come first (`from="…" ssh-ed25519 …`): the type is the first known one.
        guard let index = fields.firstIndex(where: types.contains) else {
            let shown = fields.first.map { "'\($0.prefix(30))'" } ?? "an empty line"
            return "it starts with \(shown), not a key type such as ssh-ed25519 or ssh-rsa"
        }
        let type = fields[index]
        guard index + 1 < fields.count else { return "the \(type) key has no key data after its type" }
        guard let blob = Data(base64Encoded: fields[index + 1]) else { return "the \(type) key data is not base64" }
        guard let parts = lengthPrefixed(Array(blob)) else { return "the \(type) key data is truncated or has bytes left over" }
        guard parts.first.map({ String(decoding: $0, as: UTF8.self) }) == type else {
            return "the key data is not a \(type) key (its blob names another type)"
        }
        if type == "ssh-ed25519", parts.count != 2 || parts[1].count != 32 {
            return "the ssh-ed25519 key is not 32 bytes"
        }
        return nil
    }

    /// The blob's fields, each a 4-byte big-endian length and that many bytes; `nil` unless they
    /// fill it exactly.
    static func lengthPrefixed(_ bytes: [UInt8]) -> [[UInt8]]? {
        var parts: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 4 else { return nil }
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard length <= bytes.count - offset else { return nil }
            parts.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        return parts.isEmpty ? nil : parts
    }
}
