package org.portico.admin;

import com.github.benmanes.caffeine.cache.Ticker;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.portico.cluster.ClusterReadiness;
import org.portico.session.SessionGate;
import org.portico.upstream.UpstreamConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: a small Jetty server of its own on {@code admin.host:admin.port} (loopback by default), apart
 * from the public one, so that what it serves is never reachable where browsers are, and so that it still answers
 * while the public listener drains and stops.
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus' text exposition of {@link org.portico.metrics.PrometheusMetrics};</li>
 *   <li>{@code GET /healthz}: 200 while the process serves at all (liveness);</li>
 *   <li>{@code GET /readyz}: 200 when new sessions are welcome; 503 while draining, while a cluster node is alone
 *       in its view although other members are listed ({@link ClusterReadiness}), or when no configured upstream
 *       accepts a connection ({@link UpstreamProbe}): see {@link Readiness};</li>
 *   <li>{@code POST /drain}: starts the {@link Drain} and answers 202 at once.</li>
 * </ul>
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final String TEXT = "text/plain; charset=utf-8";
    /** Probes and one scraper: a handful of threads is plenty, and bounds what the admin side can take. */
    private static final int MAX_THREADS = 8;

    private final AdminConfig config;
    private final Server server;

    public AdminServer(AdminConfig config, UpstreamConfig upstream, PrometheusRegistry registry, SessionGate gate,
            ClusterReadiness cluster, Drain drain, Ticker clock) {
        this.config = config;
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
        threads.setName("portico-admin");
        server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration().setSendServerVersion(false);
        connector.setHost(config.host());
        connector.setPort(config.port());
        server.addConnector(connector);
        UpstreamProbe probe = new UpstreamProbe(upstream.domains().values(), config.upstreamTimeout(),
                config.upstreamCheckEvery(), clock);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder("metrics", new PrometheusMetricsServlet(registry)), "/metrics");
        context.addServlet(new ServletHolder("healthz", new Healthz()), "/healthz");
        context.addServlet(new ServletHolder("readyz", new Readyz(new Readiness(gate, cluster, probe))), "/readyz");
        context.addServlet(new ServletHolder("drain", new DrainServlet(drain)), "/drain");
        server.setHandler(context);
    }

    /**
     * @throws Exception when the port cannot be bound
     */
    public void start() throws Exception {
        server.start();
        log.info("admin listener on http://{}:{} (/metrics, /healthz, /readyz, POST /drain)", config.host(), port());
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** @throws IllegalStateException if Jetty fails to stop */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the admin listener did not stop cleanly", e);
        }
    }

    private static void answer(HttpServletResponse response, int status, String text) throws IOException {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType(TEXT);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    @Override
    public String toString() {
        return "AdminServer[" + config.host() + ":" + (server.isStarted() ? port() : "stopped") + "]";
    }

    /** Liveness: the process is up and its admin threads answer. */
    private static final class Healthz extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            answer(response, HttpServletResponse.SC_OK, "alive");
        }
    }

    /** Readiness: whether a load balancer should send new sessions here. */
    private static final class Readyz extends HttpServlet {
        private final transient Readiness readiness;

        Readyz(Readiness readiness) {
            this.readiness = readiness;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Readiness.Answer answer = readiness.check();
            answer(response, answer.ready() ? HttpServletResponse.SC_OK : HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    answer.detail());
        }
    }

    /** {@code POST /drain}: an operator's (or an orchestrator's pre-stop hook's) way to drain without a signal. */
    private static final class DrainServlet extends HttpServlet {
        private final transient Drain drain;

        DrainServlet(Drain drain) {
            this.drain = drain;
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            log.info("drain requested from {}", request.getRemoteAddr());
            boolean began = drain.start();
            answer(response, HttpServletResponse.SC_ACCEPTED, began ? "draining" : "already draining");
        }
    }
}
