import Database
import ImageServing
import Maintenance
import Metrics
import Prometheus
import ThumbnailJobs
import TimelapserCore

/// Installs the Prometheus backend of swift-metrics, once per process: `MetricsSystem.bootstrap` traps when
/// called twice, and tests build the application many times in one process.
enum MetricsBootstrap {
    private static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusMetricsFactory.defaultRegistry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[ThumbnailMetrics.jobDurationLabel] = [
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    static func bootstrapOnce() { _ = registry }
}
