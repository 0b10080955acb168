import Foundation

/// Content negotiation of variant formats: whether a request's `Accept` takes WebP.
enum VariantNegotiation {
    /// True when `Accept` names `image/webp` explicitly with a non-zero quality. Wildcards (`image/*`, `*/*`) are
    /// not enough: a client that never said WebP (an old tool, a script) keeps getting the JPEG.
    static func acceptsWebP(_ accept: String?) -> Bool {
        guard let accept else { return false }
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == "image/webp" else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
        return false
    }
}
