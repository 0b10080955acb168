import CoreMetrics
import TimelapserCore

/// The swift-metrics instruments of image serving (no-ops until the executable bootstraps a backend).
public enum ServingMetrics {
    /// An image response: `timelapser_served_responses_total{variant, status}`, where `variant` is what was served
    /// (`thumbnail`, `small`, `full`, `placeholder`) and `status` the HTTP status code.
    public static func served(_ variant: ImageVariant, status: Int) {
        counter(variant, status: status).increment()
    }

    /// The counter of one (variant, status), for a caller that keeps it (the fast path: one look-up per entry, not
    /// per request).
    public static func counter(_ variant: ImageVariant, status: Int) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: "timelapser_served_responses_total", dimensions: [("variant", variant.rawValue), ("status", String(status))])
    }
}
