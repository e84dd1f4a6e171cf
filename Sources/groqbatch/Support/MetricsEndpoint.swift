import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import QueueStore

/// `work --metrics-port`: Prometheus text on `GET /metrics`. The worker's own metrics come through
/// swift-metrics; the queue's jobs by status and every meter's limit and remaining budget are read from
/// the database at each scrape, so they count every worker on the file and cost nothing between scrapes.
enum MetricsEndpoint {
    /// Makes Prometheus the process's swift-metrics backend and returns its registry.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// The HTTP service, on 127.0.0.1:`port` (0 picks one); `onBound` gets the port once it listens.
    static func application(
        registry: PrometheusCollectorRegistry, port: Int, host: String, store: any QueueDatabase, provider: String,
        logger: Logger, onBound: @escaping @Sendable (Int) -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            await refresh(registry, store: store, provider: provider)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in onBound(channel.localAddress?.port ?? port) }, logger: quiet)
    }

    /// The gauges read from the database at each scrape, each with the help line Prometheus shows.
    /// (Computed: the descriptor type is not Sendable, so it cannot be a shared constant.)
    static var jobs: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "groqbatch", metricName: "jobs", unitName: "", helpText: "Jobs in the queue by status, across every worker on the file.")
    }
    static var budgetLimit: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "groqbatch", metricName: "budget_limit", unitName: "", helpText: "A meter's limit (requests or tokens per minute or day).")
    }
    static var budgetRemaining: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "groqbatch", metricName: "budget_remaining", unitName: "", helpText: "What a meter has left in its window.")
    }
    static var budgetUsed: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "groqbatch", metricName: "budget_used", unitName: "", helpText: "What a meter has spent in its window.")
    }

    /// Sets the gauges that come from the database.
    static func refresh(_ registry: PrometheusCollectorRegistry, store: any QueueDatabase, provider: String) async {
        let counts = (try? await store.countsByStatus(batch: nil)) ?? [:]
        for status in JobStatus.allCases {
            registry.makeGauge(descriptor: jobs, labels: [("status", status.rawValue)]).set(Double(counts[status] ?? 0))
        }
        for meter in (try? await store.meterStatuses(now: Date())) ?? [] where meter.provider == provider {
            let labels = [("model", meter.model), ("kind", meter.kind.rawValue)]
            if let limit = meter.limit { registry.makeGauge(descriptor: budgetLimit, labels: labels).set(Double(limit)) }
            if let remaining = meter.remaining {
                registry.makeGauge(descriptor: budgetRemaining, labels: labels).set(Double(remaining))
            }
            registry.makeGauge(descriptor: budgetUsed, labels: labels).set(Double(meter.used))
        }
    }
}
