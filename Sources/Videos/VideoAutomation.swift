import Foundation
import TimelapserCore

/// A timelapse's render automation (`PUT /api/timelapses/{id}/video-automation`): any of three triggers, each
/// with the render settings it uses.
public struct VideoAutomation: Codable, Sendable, Equatable {
    /// Render once when the timelapse completes.
    public var onCompletion: Trigger?
    /// Every day at a local time, render the previous day's frames (named `daily` unless the settings say).
    public var daily: DailyTrigger?
    /// Render the whole timelapse each time it reaches another multiple of `everyFrames` frames.
    public var milestones: MilestoneTrigger?

    public init(onCompletion: Trigger? = nil, daily: DailyTrigger? = nil, milestones: MilestoneTrigger? = nil) {
        self.onCompletion = onCompletion
        self.daily = daily
        self.milestones = milestones
    }

    public struct Trigger: Codable, Sendable, Equatable {
        public var settings: RenderSettings?
        public init(settings: RenderSettings? = nil) {
            self.settings = settings
        }
    }

    public struct DailyTrigger: Codable, Sendable, Equatable {
        /// "HH:MM" in the `timezone` setting.
        public var at: String
        public var settings: RenderSettings?
        public init(at: String, settings: RenderSettings? = nil) {
            self.at = at
            self.settings = settings
        }
    }

    public struct MilestoneTrigger: Codable, Sendable, Equatable {
        public var everyFrames: Int
        public var settings: RenderSettings?
        public init(everyFrames: Int, settings: RenderSettings? = nil) {
            self.everyFrames = everyFrames
            self.settings = settings
        }
    }

    /// Checks every trigger's fields and settings; the error names the field (`daily.at`, `milestones.settings.fps`…).
    public func validate() throws(SettingsValidationError) {
        func check(_ prefix: String, _ settings: RenderSettings?) throws(SettingsValidationError) {
            do {
                _ = try (settings ?? RenderSettings()).validated()
            } catch {
                throw SettingsValidationError(field: "\(prefix).settings.\(error.field)", message: error.message)
            }
        }
        if let onCompletion { try check("on_completion", onCompletion.settings) }
        if let daily {
            guard ClockTime.minutes(daily.at) != nil else { throw SettingsValidationError(field: "daily.at", message: "must be HH:MM") }
            try check("daily", daily.settings)
        }
        if let milestones {
            guard (1...10_000_000).contains(milestones.everyFrames) else {
                throw SettingsValidationError(field: "milestones.every_frames", message: "must be from 1 to 10000000")
            }
            try check("milestones", milestones.settings)
        }
    }

    var isEmpty: Bool { onCompletion == nil && daily == nil && milestones == nil }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()
}
