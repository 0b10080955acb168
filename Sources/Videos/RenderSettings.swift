import Foundation
import TimelapserCore

/// What a user asks of a render (`POST /api/timelapses/{id}/videos`, or an automation's settings): every field
/// optional, spelled snake_case on the wire. ``validated()`` turns it into a ``RenderSpec`` or names the bad field.
public struct RenderSettings: Codable, Sendable, Equatable {
    public var name: String?
    public var fps: Double?
    public var targetSeconds: Double?
    public var minFps: Double?
    public var maxFps: Double?
    public var from: String?
    public var to: String?
    public var timeOfDay: TimeWindow?
    public var perDay: PerDay?
    public var everyNth: Int?
    public var resolution: ResolutionValue?
    public var codec: String?
    public var quality: Int?
    public var preset: String?
    public var deflicker: Bool?
    public var overlay: Overlay?

    public init() {}

    /// `{start: "HH:MM", end: "HH:MM"}` in the `timezone` setting; `end` before `start` wraps midnight.
    public struct TimeWindow: Codable, Sendable, Equatable {
        public var start: String
        public var end: String
        public init(start: String, end: String) {
            self.start = start
            self.end = end
        }
    }

    /// The `count` frames of each local day nearest to `near` ("HH:MM").
    public struct PerDay: Codable, Sendable, Equatable {
        public var count: Int
        public var near: String
        public init(count: Int, near: String) {
            self.count = count
            self.near = near
        }
    }

    /// `{kind: none|timestamp|day_number|text, text?, position?, format?}`.
    public struct Overlay: Codable, Sendable, Equatable {
        public var kind: String
        public var text: String?
        public var position: String?
        public var format: String?
        public init(kind: String, text: String? = nil, position: String? = nil, format: String? = nil) {
            self.kind = kind
            self.text = text
            self.position = position
            self.format = format
        }
    }

    /// `resolution` is a name (`source`, `2160p`, `1440p`, `1080p`, `720p`) or a width in pixels.
    public enum ResolutionValue: Codable, Sendable, Equatable {
        case named(String)
        case width(Int)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let width = try? container.decode(Int.self) {
                self = .width(width)
            } else {
                self = .named(try container.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .named(let name): try container.encode(name)
            case .width(let width): try container.encode(width)
            }
        }
    }
}

extension RenderSettings {
    /// The JSON a video row stores (snake_case keys, the shape clients send).
    public var storedJSON: String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Reads what ``storedJSON`` wrote.
    public static func fromStored(_ json: String) throws -> RenderSettings {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(RenderSettings.self, from: Data(json.utf8))
    }
}
