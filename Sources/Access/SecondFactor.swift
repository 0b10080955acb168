import Database
import Foundation
import HummingbirdOTP

extension AccessService {
    /// A fresh TOTP secret (base32, 160 bits) and its `otpauth://` URL for an authenticator app.
    public static func newTOTP(label: String) -> (secret: String, url: String) {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var generator = SystemRandomNumberGenerator()
        let secret = String((0..<32).map { _ in alphabet[Int.random(in: 0..<32, using: &generator)] })
        return (secret, TOTP(secret: secret).createAuthenticatorURL(label: label, issuer: "Timelapser"))
    }

    /// Turns the second factor on once a code from the secret proves the app has it.
    public func enableTOTP(userId: Int64, secret: String, code: String) async throws {
        guard secret.count >= 16, secret.allSatisfy({ $0.isLetter || ("2"..."7").contains($0) }) else {
            throw AccessError.invalidField(field: "secret", message: "must be the base32 secret of POST /api/auth/totp/setup")
        }
        guard Self.codeMatches(code, secret: secret.uppercased(), now: Date()) else {
            throw AccessError.invalidField(field: "code", message: "does not match the secret: check the authenticator app's clock")
        }
        try await database.autocommit { try await AccessStore.setTOTPSecret($0, userId: userId, secret: secret.uppercased()) }
    }

    public func disableTOTP(userId: Int64) async throws {
        try await database.autocommit { try await AccessStore.setTOTPSecret($0, userId: userId, secret: nil) }
    }
}
