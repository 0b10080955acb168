import Foundation

/// Hides credentials in camera URLs before they leave the server (API answers and logs).
public enum CredentialMask {
    /// `rtsp://user:secret@host/x` → `rtsp://user:***@host/x`.
    public static func mask(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// Masks every URL-looking token of a free text (an error message may quote the URL).
    public static func maskURLs(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.contains("://") ? mask(String($0)) : String($0) }
            .joined(separator: " ")
    }
}
