import CoreMetrics
import Imaging

/// The swift-metrics instruments of thumbnail jobs and captures. They are no-ops until the executable
/// bootstraps a metrics backend (`GET /metrics` exposes them in Prometheus format).
public enum ThumbnailMetrics {
    public static let jobDurationLabel = "timelapser_thumbnail_job_duration_seconds"

    /// A finished job's processing time (histogram).
    public static func jobFinished(milliseconds: Int) {
        CoreMetrics.Timer(label: jobDurationLabel).recordMilliseconds(milliseconds)
    }

    /// A failed job attempt: `timelapser_thumbnail_job_failures_total{reason}`.
    public static func jobFailed(reason: String) {
        CoreMetrics.Counter(label: "timelapser_thumbnail_job_failures_total", dimensions: [("reason", reason)]).increment()
    }

    /// A frame accepted (`timelapser_captures_total{result="accepted"}`) or refused
    /// (`timelapser_capture_rejections_total{reason}`).
    public static func captureAccepted() {
        CoreMetrics.Counter(label: "timelapser_captures_total", dimensions: [("result", "accepted")]).increment()
    }

    public static func captureRejected(reason: String) {
        CoreMetrics.Counter(label: "timelapser_capture_rejections_total", dimensions: [("reason", reason)]).increment()
    }

    /// A short, bounded label for a job failure.
    static func reason(_ error: any Error) -> String {
        switch error as? GenerationError {
        case .imageMissing?: "image_missing"
        case .frameUnavailable?: "frame_unavailable"
        case .badFrame(let e)?: e.reason
        case .writeFailed?: "write_failed"
        case .diskFull?: "disk_full"
        case .leaseLost?: "lease_lost"
        case nil: "error"
        }
    }
}
