import Foundation
import TimelapserCore

// The JSON bodies the routes accept, as Codable types. Every field is optional (`null` counts as absent) and
// unknown fields are ignored; a field of the wrong type is a 400 naming it (``RequestInput/decode(_:from:)``).

/// A field whose absence and `null` mean different things: in a PATCH, `null` clears the value.
enum Patch<Value: Decodable & Sendable>: Decodable, Sendable {
    case absent
    case null
    case value(Value)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .null : .value(try container.decode(Value.self))
    }

    /// nil when absent, `.some(nil)` when cleared.
    var change: Value?? {
        switch self {
        case .absent: nil
        case .null: .some(nil)
        case .value(let value): .some(value)
        }
    }
}

extension KeyedDecodingContainer {
    func decode<Value>(_ type: Patch<Value>.Type, forKey key: Key) throws -> Patch<Value> {
        contains(key) ? try decodeIfPresent(type, forKey: key) ?? .null : .absent
    }
}

/// `POST /api/cameras`, `PATCH /api/cameras/{id}`.
struct CameraRequest: Decodable, Sendable {
    var name: String?
    var rtspUrl: Patch<String>
    var captureIntervalSeconds: Int?
    var generateThumbnails: Bool?
    /// Validated by ``CaptureWindow/validated(_:)`` (a bad field is a 422 naming `capture_window.<field>`).
    var captureWindow: JSONValue?
    var timezone: Patch<String>
    var rotate: Int?
    var crop: Patch<CameraCrop>
    /// Validated by ``RetentionPolicy/validated(_:)`` (a bad field is a 422 naming `retention.<field>`); null
    /// clears the camera's own policy.
    var retention: Patch<JSONValue>
}

/// `POST /api/cameras/{id}/timelapses`.
struct TimelapseStartRequest: Decodable, Sendable {
    var name: String?
    /// ISO 8601; parsed by the controller so a bad date is a 400 naming the field.
    var startedAt: String?
}

/// `POST /api/thumbnails/regenerate-all`.
struct RegenerateAllRequest: Decodable, Sendable {
    var force: Bool?
    var limit: Int?
}

/// `POST /api/timelapses/{id}/thumbnails/generate`.
struct GenerateRequest: Decodable, Sendable {
    var forceRegenerate: Bool?
    var includeSmalls: Bool?
}

/// `POST /api/thumbnails/verify` and `/api/timelapses/{id}/thumbnails/verify` (`deep` may also be a query parameter).
struct VerifyRequest: Decodable, Sendable {
    var deep: Bool?
}
