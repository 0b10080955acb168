import Database
import DataDirectory
import Hummingbird
import ImageServing
import Maintenance
import NIOCore
import Prometheus
import StoragePlanning
import ThumbnailJobs
import TimelapserCore

/// `GET /metrics`: the process's Prometheus registry (swift-metrics counters, timers and gauges recorded where
/// things happen), plus gauges read from the database at scrape time.
///
/// Metric names:
/// - `timelapser_thumbnail_jobs{status}` — jobs by status (gauge, read at scrape time)
/// - `timelapser_thumbnail_job_duration_seconds` — job processing time (histogram, recorded by the worker)
/// - `timelapser_thumbnail_job_failures_total{reason}` — failed job attempts by reason
/// - `timelapser_served_responses_total{variant,status}` — image responses served (recorded by `ServingMetrics.served`)
/// - `timelapser_variant_files{variant}`, `timelapser_variant_bytes{variant}` — from the timelapse aggregates
/// - `timelapser_orphaned_variant_files{variant}` — orphans left by the last maintenance scan
/// - `timelapser_images`, `timelapser_frame_bytes` — frames stored
/// - `timelapser_captures_total{result}`, `timelapser_capture_rejections_total{reason}` — frames ingested
/// - `timelapser_regeneration_active` — 1 while a regenerate-all session runs
/// - `timelapser_videos{status}`, `timelapser_video_bytes` — video renders by status, bytes of completed videos
/// - `timelapser_storage_bytes{camera_id,kind}`, `timelapser_storage_files{camera_id,kind}` — storage per camera
///   (`kind`: frames, thumbnails, smalls, videos)
/// - `timelapser_volume_free_bytes`, `timelapser_volume_total_bytes`, `timelapser_storage_growth_bytes_per_day`,
///   `timelapser_storage_days_until_full` (+Inf when storage is not growing) — the forecast of `GET /api/storage`
struct MetricsController {
    let services: APIServices
    let registry: PrometheusCollectorRegistry

    init(services: APIServices, registry: PrometheusCollectorRegistry = PrometheusMetricsFactory.defaultRegistry) {
        self.services = services
        self.registry = registry
    }

    func addRoutes(to routes: AccessRoutes) {
        routes.get("metrics", .metrics, use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await refreshGauges()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "timelapser", metricName: name, unitName: "", helpText: help),
                           labels: labels)
    }

    /// Gauges whose truth is in the database: set from cheap aggregate queries on each scrape.
    func refreshGauges() async throws {
        let counts = try await services.queue.counts()
        for (status, n) in [("pending", counts.pending), ("processing", counts.processing), ("completed", counts.completed),
                            ("failed", counts.failed), ("cancelled", counts.cancelled)] {
            gauge("thumbnail_jobs", "Thumbnail jobs by status", [("status", status)]).set(Double(n))
        }
        let stats = try await services.maintenance.statistics.system()
        gauge("images", "Frames stored").set(Double(stats.totals.images))
        gauge("frame_bytes", "Bytes of stored frames").set(Double(stats.totals.frameBytes))
        gauge("video_bytes", "Bytes of completed videos").set(Double(stats.totals.videoBytes))
        let videos = try await services.videos.counts()
        for status in VideoStatus.allCases {
            gauge("videos", "Video renders by status", [("status", status.rawValue)]).set(Double(videos[status] ?? 0))
        }
        for (variant, files, bytes, orphans) in [
            ("thumbnail", stats.totals.thumbnails, stats.totals.thumbnailBytes, stats.orphanedThumbnails),
            ("small", stats.totals.smalls, stats.totals.smallBytes, stats.orphanedSmalls),
        ] {
            gauge("variant_files", "Variant files the catalogue points at", [("variant", variant)]).set(Double(files))
            gauge("variant_bytes", "Bytes of variant files", [("variant", variant)]).set(Double(bytes))
            gauge("orphaned_variant_files", "Orphaned variant files found by the last maintenance scan", [("variant", variant)]).set(Double(orphans ?? 0))
        }
        try await refreshStorageGauges()
        let active = try await services.maintenance.regeneration.status().active
        gauge("regeneration_active", "1 while a regenerate-all session runs").set(Double(active ? 1 : 0))
    }

    /// Storage per camera and the volume's forecast, from the same aggregates as `GET /api/storage`.
    func refreshStorageGauges() async throws {
        let report = try await services.storage.report()
        for camera in report.cameras {
            for (kind, figure) in [("frames", camera.frames), ("thumbnails", camera.thumbnails), ("smalls", camera.smalls),
                                   ("videos", camera.videos)] {
                let labels = [("camera_id", String(camera.cameraId)), ("kind", kind)]
                gauge("storage_bytes", "Bytes stored per camera and kind", labels).set(Double(figure.bytes))
                gauge("storage_files", "Files stored per camera and kind", labels).set(Double(figure.files))
            }
        }
        gauge("volume_free_bytes", "Free bytes on the data volume").set(Double(report.volume.freeBytes))
        gauge("volume_total_bytes", "Size of the data volume").set(Double(report.volume.totalBytes))
        gauge("storage_growth_bytes_per_day", "Net storage growth per day over the last 7 days").set(Double(report.growthBytesPerDay))
        gauge("storage_days_until_full", "Days until the data volume is full at the current growth (+Inf: not growing)")
            .set(report.daysUntilFull ?? .infinity)
    }
}
