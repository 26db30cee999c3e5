import Hummingbird
import Metrics
import Prometheus
import Synchronization

/// The process-wide Prometheus registry behind swift-metrics; bootstrapped once.
public enum PrometheusMetrics {
    private static let bootstrapped = Mutex<PrometheusCollectorRegistry?>(nil)

    /// The registry, bootstrapping the metrics system on first use.
    public static var registry: PrometheusCollectorRegistry {
        bootstrapped.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: created))
            registry = created
            return created
        }
    }

    /// `/metrics`; behind `Authorization: Bearer <token>` when a token is configured (`COE_METRICS_TOKEN`).
    static func addRoutes(to router: Router<ServiceRequestContext>, token: String?) {
        let registry = Self.registry
        router.get("/metrics") { request, _ -> Response in
            if let token, request.headers[.authorization] != "Bearer \(token)" {
                throw HTTPProblem(.unauthorized, type: "unauthenticated", detail: "/metrics needs the metrics token.", headers: [.wwwAuthenticate: "Bearer realm=\"metrics\""])
            }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}
