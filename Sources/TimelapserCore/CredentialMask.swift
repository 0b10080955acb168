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

extension CredentialMask {
    /// Masks a free text that may quote `url` in any form (ffmpeg and HTTP errors do, sometimes inside quotes
    /// that defeat URL parsing): URL tokens are masked and the URL's password is hidden wherever it appears.
    public static func redact(_ text: String, secretsOf url: String) -> String {
        var masked = maskURLs(text)
        guard let components = URLComponents(string: url) else { return masked }
        let secrets = [components.percentEncodedPassword, components.password].compactMap { $0 }.filter { !$0.isEmpty }
        for secret in Set(secrets) { masked = masked.replacingOccurrences(of: secret, with: "***") }
        return masked
    }
}
