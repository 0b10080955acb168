import Foundation
import TimelapserCore

/// The server events a webhook may subscribe to, by their wire names (``ServerEvent/Kind``'s raw values). Add a
/// case to offer another event.
public enum WebhookEvent: String, Sendable, CaseIterable, Codable {
    case cameraOffline = "camera_offline"
    case cameraOnline = "camera_online"
    case timelapseCompleted = "timelapse_completed"
    case videoCompleted = "video_completed"
    case videoFailed = "video_failed"
    case diskLow = "disk_low"
    case thumbnailJobFailed = "thumbnail_job_failed"
    case retentionApplied = "retention_applied"

    /// The event name of a delivery queued by `POST /api/webhooks/{id}/test`.
    public static let testEventName = "webhook_test"

    /// The webhook event a server event is, nil when webhooks do not offer it.
    public init?(_ kind: ServerEvent.Kind) {
        self.init(rawValue: kind.rawValue)
    }

    /// Parses the stored JSON array of names (unknown names, from a newer version, are ignored).
    static func decodeList(_ json: String) -> [WebhookEvent] {
        let names = (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
        return names.compactMap(WebhookEvent.init(rawValue:))
    }

    static func encodeList(_ events: [WebhookEvent]) -> String {
        let data = (try? JSONEncoder().encode(events.map(\.rawValue))) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// How webhook URLs leave the server (answers and logs): they are credentials (a token in the path or query is
/// common), so only the scheme, host and port are shown, with any password masked by ``CredentialMask``.
public enum WebhookURLMask {
    /// `https://user:pw@hooks.example.com/services/T0/B1/xyz?k=v` → `https://user:***@hooks.example.com/***`.
    public static func mask(_ url: String) -> String {
        let masked = CredentialMask.mask(url)
        guard var components = URLComponents(string: masked) else { return "***" }
        let hasPath = !components.percentEncodedPath.isEmpty && components.percentEncodedPath != "/"
        let hasQuery = components.percentEncodedQuery != nil || components.percentEncodedFragment != nil
        components.percentEncodedQuery = nil
        components.percentEncodedFragment = nil
        components.percentEncodedPath = hasPath || hasQuery ? "/***" : components.percentEncodedPath
        return components.string ?? "***"
    }

    /// Masks a free text (an error message) that may quote `url`: its password, path and query are hidden.
    public static func redact(_ text: String, url: String) -> String {
        var masked = CredentialMask.redact(text, secretsOf: url)
        if let components = URLComponents(string: url) {
            let path = components.percentEncodedPath
            if path.count > 1 { masked = masked.replacingOccurrences(of: path, with: "/***") }
            if let query = components.percentEncodedQuery, !query.isEmpty { masked = masked.replacingOccurrences(of: query, with: "***") }
        }
        return masked
    }
}
