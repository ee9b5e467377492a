import Crypto
import Foundation

/// Hex SHA-256, used for file drift and for watched-content digests.
public enum ContentDigest {
    public static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
