import Crypto
import Foundation

/// Random secrets and their digests: a session cookie or API token is shown once and only its SHA-256 is stored,
/// so a copy of the database opens no session.
public enum Secrets {
    /// `bytes` random bytes as URL-safe base64 without padding.
    public static func random(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL(Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    /// `data` as URL-safe base64 without padding (cookies, tokens, share links).
    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The lowercase hex SHA-256 of `text`.
    public static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
