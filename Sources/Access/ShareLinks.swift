import Crypto
import Database
import Foundation
import TimelapserCore

/// What a share link opens: one camera's latest image (in one size) or one video.
public enum ShareTarget: Sendable, Equatable {
    case latestImage(cameraId: Int64, variant: String)
    case video(videoId: Int64)

    var text: String {
        switch self {
        case .latestImage(let camera, let variant): "c:\(camera):\(variant)"
        case .video(let video): "v:\(video)"
        }
    }

    init?(text: Substring) {
        let parts = text.split(separator: ":")
        if parts.count == 3, parts[0] == "c", let id = Int64(parts[1]) { self = .latestImage(cameraId: id, variant: String(parts[2])); return }
        if parts.count == 2, parts[0] == "v", let id = Int64(parts[1]) { self = .video(videoId: id); return }
        return nil
    }
}

/// Signed, expiring links to one camera's latest image or one video, for people without an account. A link is
/// its target and expiry signed with HMAC-SHA256 by a secret kept in the database: nothing else is stored, and
/// rotating the secret revokes every link at once.
public struct ShareLinks: Sendable {
    let database: TimelapserDatabase
    static let secretKey = "share_link_secret"
    /// The longest a link may live.
    public static let maximumLifetime: TimeInterval = 365 * 86_400

    public init(database: TimelapserDatabase) { self.database = database }

    /// A link token for `target`, valid until `expiresAt`.
    public func token(for target: ShareTarget, expiresAt: Date) async throws -> String {
        let payload = "1|\(target.text)|\(Int(expiresAt.timeIntervalSince1970))"
        return Secrets.base64URL(Data(payload.utf8)) + "." + Secrets.base64URL(try await signature(of: payload))
    }

    /// The target of a token whose signature holds and which has not expired; nil otherwise.
    public func target(of token: String, now: Date = Date()) async throws -> ShareTarget? {
        let parts = token.split(separator: ".")
        guard parts.count == 2, let payloadData = Self.decode(parts[0]), let given = Self.decode(parts[1]),
              let payload = String(data: payloadData, encoding: .utf8) else { return nil }
        let expected = try await signature(of: payload)
        guard expected.count == given.count, zip(expected, given).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        let fields = payload.split(separator: "|")
        guard fields.count == 3, fields[0] == "1", let expiry = Double(fields[2]), now.timeIntervalSince1970 < expiry else { return nil }
        return ShareTarget(text: fields[1])
    }

    /// Revokes every link made so far (a new secret).
    public func revokeAll() async throws {
        try await database.transaction {
            try await MaintenanceStore.setState($0, key: Self.secretKey, value: Secrets.random(bytes: 32), at: Date())
        }
    }

    func signature(of payload: String) async throws -> Data {
        let key = SymmetricKey(data: Data(try await secret().utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key))
    }

    /// The secret, made on first use (two processes racing agree: the first write wins, both read it back).
    func secret() async throws -> String {
        if let stored = try await database.read({ try await MaintenanceStore.state($0, key: Self.secretKey) }) { return stored.value }
        return try await database.transaction { db in
            try await MaintenanceStore.setStateIfAbsent(db, key: Self.secretKey, value: Secrets.random(bytes: 32), at: Date())
        }
    }

    static func decode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
