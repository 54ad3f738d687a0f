package org.portico.server;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.CrossOriginHandler;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.util.compression.DeflaterPool;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.portico.admin.AdminServer;
import org.portico.admin.Drain;
import org.portico.bosh.BoshForwarding;
import org.portico.bosh.BoshHandler;
import org.portico.bosh.BoshSessions;
import org.portico.client.AddressLimits;
import org.portico.client.TrustedProxies;
import org.portico.cluster.ClusterReadiness;
import org.portico.cluster.InfinispanDirectory;
import org.portico.cluster.RequestForwarder;
import org.portico.cluster.SessionDirectory;
import org.portico.http.ExactPath;
import org.portico.http.GzipCoding;
import org.portico.http.HostMetaServlet;
import org.portico.http.SelectorResumingThreadPool;
import org.portico.http.ServletsOffPlatformThreads;
import org.portico.http.TickScheduler;
import org.portico.metrics.HttpOutcomes;
import org.portico.metrics.Metrics;
import org.portico.metrics.ObservedUpstreams;
import org.portico.metrics.PrometheusMetrics;
import org.portico.metrics.SessionCensus;
import org.portico.session.ClientSession;
import org.portico.session.SessionGate;
import org.portico.store.RemovalReason;
import org.portico.store.SessionStore;
import org.portico.tls.ServerCertificates;
import org.portico.upstream.UpstreamConnector;
import org.portico.websocket.WebSocketTransport;
import org.portico.xml.XmlParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Portico: Jetty with the BOSH servlet, host-meta and (when present) the demo page on its listeners
 * ({@link Connectors}: HTTP, and HTTPS when configured), the session store and the upstream connector, and (when
 * {@code admin.enabled}) the admin listener with its metrics, health and drain. With {@code cluster.enabled} it is one
 * node of a cluster: it joins the {@link InfinispanDirectory} while it is built, and leaves it when it stops. Built
 * from a {@link PorticoConfig}; tests start it on port 0.
 */
public final class PorticoServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PorticoServer.class);
    /** Where the web-demo module puts the page on the classpath. */
    static final String DEMO_RESOURCES = "portico-demo";
    /** How long stopping waits for WebSocket clients to answer the closing handshake. */
    private static final Duration SOCKET_CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private final PorticoConfig config;
    private final Server server;
    private final SessionStore<String, ClientSession> store;
    private final AddressLimits limits;
    private final ExecutorService callbacks = Executors.newVirtualThreadPerTaskExecutor();
    private final BoshSessions bosh;
    /** Null when {@code websocket.enabled=false}. */
    private final WebSocketTransport websocket;
    private final Connectors connectors;
    /** Closed by the drain: no new session starts once it began. */
    private final SessionGate gate = new SessionGate();
    private final Drain drain;
    /** Null when {@code admin.enabled=false}. */
    private final AdminServer admin;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Null unless {@code cluster.enabled}. */
    private final InfinispanDirectory cluster;
    /** Null unless {@code cluster.enabled}. */
    private final RequestForwarder forwarder;

    public PorticoServer(PorticoConfig config, UpstreamConnector connector) {
        this(config, connector, Ticker.systemTicker());
    }

    /**
     * @param clock the one monotonic clock of this Portico (nanoseconds): session expiry, BOSH timing and WebSocket
     *              heartbeats all read it, so tests can move time by hand
     */
    public PorticoServer(PorticoConfig config, UpstreamConnector connector, Ticker clock) {
        this.config = config;
        this.limits = new AddressLimits(config.client(), clock);
        this.cluster = config.cluster().enabled() ? InfinispanDirectory.join(config.cluster()) : null;
        SessionDirectory directory = cluster != null ? cluster : SessionDirectory.LOCAL;
        this.store = new SessionStore<>(config.store(), clock, Scheduler.systemScheduler(), callbacks,
                (id, session, reason) -> {
                    limits.released(id);
                    directory.forget(id);
                    removed(id, session, reason);
                });
        XmlParser parser = new XmlParser(config.xml());
        PrometheusMetrics prometheus = config.admin().enabled()
                ? new PrometheusMetrics(() -> SessionCensus.of(store), store::size, () -> !gate.isOpen()) : null;
        Metrics metrics = prometheus != null ? prometheus : Metrics.NONE;
        ObservedUpstreams upstreams = new ObservedUpstreams(connector, metrics, clock);
        drain = new Drain(config.admin().drainGrace(), config.http().shutdownRedirect(), gate, store, upstreams,
                clock, this::close);
        // the wait of a node alone in its view counts from here, once the join has returned
        ClusterReadiness readiness = cluster != null ? ClusterReadiness.joined(cluster, config.cluster(), clock)
                : ClusterReadiness.NONE;
        admin = prometheus != null ? new AdminServer(config.admin(), config.upstream(), prometheus.registry(), gate,
                readiness, drain, clock) : null;
        forwarder = cluster != null ? new RequestForwarder(config.cluster().nodeName(),
                config.cluster().forwardTimeout()) : null;
        BoshForwarding forwarding = forwarder != null ? new BoshForwarding(forwarder, config.bosh().path(),
                config.bosh().maxWait(), config.cluster().forwardTimeout(), metrics) : null;
        bosh = new BoshSessions(config.bosh(), parser, upstreams.forTransport(Metrics.Transport.BOSH),
                store, limits, clock, metrics, gate, directory, forwarding);

        QueuedThreadPool threads = new SelectorResumingThreadPool();
        threads.setName("portico-http");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server = new Server(threads, new TickScheduler(), Connectors.bufferPool());
        connectors = new Connectors(server, config.http(), config.tls(), config.http2());
        server.addBean(new NetworkConnectionLimit(config.http().maxConnections(), server));

        ServletContextHandler context = new ServletContextHandler("/");
        websocket = config.websocket().enabled() ? new WebSocketTransport(config.websocket(), config.http(),
                config.bosh().path(), parser, upstreams.forTransport(Metrics.Transport.WEBSOCKET), store, limits,
                clock, metrics, gate, directory) : null;
        HostMetaServlet hostMeta = new HostMetaServlet(config.http().publicUrl(), config.bosh().path(),
                websocket != null ? config.websocket().path() : null);
        context.addServlet(new ServletHolder("host-meta", hostMeta), "/.well-known/host-meta");
        context.addServlet(new ServletHolder("host-meta-json", hostMeta), "/.well-known/host-meta.json");
        URL demo = PorticoServer.class.getClassLoader().getResource(DEMO_RESOURCES + "/index.html");
        if (config.http().demo() && demo != null) {
            context.setBaseResource(ResourceFactory.of(context).newClassLoaderResource(DEMO_RESOURCES));
            context.addServlet(new ServletHolder("demo", DefaultServlet.class), "/");
        }
        // BOSH and WebSocket on Jetty's core API, each on its own path, before the servlets (see BoshHandler,
        // XmppWebSocketHandler, ExactPath); BOSH compresses its own answers (GzipCoding)
        GzipCoding gzip = config.http().gzip()
                ? new GzipCoding(config.http().gzipMinBytes(), DeflaterPool.ensurePool(server)) : null;
        List<Handler> handlers = new ArrayList<>();
        handlers.add(new ExactPath(config.bosh().path(), new BoshHandler(bosh, config.xml().maxBytes(), gzip)));
        if (websocket != null) {
            handlers.add(new ExactPath(config.websocket().path(), websocket.handler(server)));
        }
        handlers.add(gzipped(new ServletsOffPlatformThreads(context)));
        // No handler blocks the thread it is called on, and the tree is static (Jetty counts a dynamic container as
        // blocking): so the server says it never blocks, and Jetty handles each request on the thread that read
        // it, its selector for HTTP/1.1 and the connection's reading thread for HTTP/2, instead of handing each to
        // a thread of its own (bosh.requestsOnSelector, docs/benchmarks.md). With that off, the server alone stays
        // dynamic, which makes it blocking.
        server.setHandler(new HttpOutcomes(cors(new Handler.Sequence(false, handlers)), metrics));
        server.setDynamic(!config.bosh().requestsOnSelector());
        TrustedProxies.install(server, config.client().trustedProxies());
    }

    /** CORS around BOSH, WebSocket handshakes and the servlets, when origins other than the page's are allowed. */
    private Handler cors(Handler handler) {
        if (!config.http().allowedOrigins().isEmpty()) {
            CrossOriginHandler cors = new CrossOriginHandler();
            Set<String> patterns = new HashSet<>();
            for (String origin : config.http().allowedOrigins()) {
                patterns.add("*".equals(origin) ? ".*" : java.util.regex.Pattern.quote(origin));
            }
            cors.setAllowedOriginPatterns(patterns);
            cors.setAllowedMethods(Set.of("GET", "POST", "OPTIONS"));
            cors.setAllowedHeaders(Set.of("Content-Type", "Content-Encoding"));
            // WebSocket handshakes are judged by the endpoint itself (same origin always allowed, others 403)
            cors.setDeliverNonAllowedOriginWebSocketUpgradeRequests(true);
            cors.setHandler(handler);
            cors.setDynamic(false);
            return cors;
        }
        return handler;
    }

    /**
     * Gzip around the servlets (the demo page, host-meta); BOSH answers are compressed by {@link GzipCoding}, which
     * looks at an answer once its size is known instead of wrapping every request that accepts gzip. GzipHandler is
     * deprecated in Jetty 12.1 for CompressionHandler, which as of 12.1.14 sends its responses chunked.
     */
    @SuppressWarnings("removal")
    private Handler gzipped(Handler handler) {
        if (!config.http().gzip()) {
            return handler;
        }
        GzipHandler gzip = new GzipHandler();
        gzip.setIncludedMethods("GET", "POST");
        gzip.setMinGzipSize(config.http().gzipMinBytes());
        gzip.setHandler(handler);
        gzip.setDynamic(false);
        return gzip;
    }

    private static void removed(String id, ClientSession session, RemovalReason reason) {
        switch (reason) {
            case EXPIRED -> session.expired();
            case SHUTDOWN -> session.shutdown();
            default -> {
                // REMOVED: the session ended itself before asking to be removed
            }
        }
    }

    public PorticoServer start() throws Exception {
        server.start();
        if (admin != null) {
            try {
                admin.start();
            } catch (Exception e) {
                // without its admin listener this Portico could be neither watched nor drained: do not run half
                server.stop();
                throw e;
            }
        }
        log.info("Portico listening on http://{}:{}{} (BOSH at {}, WebSocket at {})", config.http().host(), port(),
                config.tls().enabled() ? " and https://" + config.tls().host() + ":" + tlsPort() : "",
                config.bosh().path(), websocket != null ? config.websocket().path() : "off");
        return this;
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return connectors.plainPort();
    }

    /** The bound HTTPS port, or -1 when {@code tls.*} configures none. */
    public int tlsPort() {
        return connectors.securePort();
    }

    /** The HTTPS listener's certificate, reloaded when its files change; null without TLS. */
    public ServerCertificates certificates() {
        return connectors.certificates();
    }

    /**
     * The admin listener's bound port.
     *
     * @throws IllegalStateException when {@code admin.enabled=false}
     */
    public int adminPort() {
        if (admin == null) {
            throw new IllegalStateException("the admin listener is off (admin.enabled=false)");
        }
        return admin.port();
    }

    /**
     * Stops gracefully, as SIGTERM and {@code POST /drain} do (see {@link Drain}): readiness 503, new sessions sent
     * elsewhere, clients told to leave, at most {@code admin.drainGrace} for them to go, then {@link #close}.
     * Returns once stopped; a second call waits for the first's drain.
     */
    public void drain() {
        drain.run();
    }

    /** Completes once a drain, however started, has stopped this Portico. */
    public CompletableFuture<Void> drained() {
        return drain.drained();
    }

    public PorticoConfig config() {
        return config;
    }

    public SessionStore<String, ClientSession> store() {
        return store;
    }

    /** This node's view of the cluster; empty for a single Portico ({@code cluster.enabled=false}). */
    public Optional<InfinispanDirectory> cluster() {
        return Optional.ofNullable(cluster);
    }

    /** The live sessions and creation rates per client address ({@code client.*}): for operators and tests. */
    public AddressLimits addressLimits() {
        return limits;
    }

    /**
     * Stops at once, without the drain's grace: tells every client {@code system-shutdown}, or to move to
     * {@code http.shutdownRedirect} (see-other-uri), closes every upstream, lets WebSocket closing handshakes
     * finish, then stops Jetty and the admin listener. The drain ends with it; a second call does nothing.
     *
     * @throws IllegalStateException if Jetty fails to stop
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        String redirect = config.http().shutdownRedirect();
        for (ClientSession session : store.snapshot().values()) {
            if (redirect.isEmpty()) {
                session.shutdown();
            } else {
                session.redirect(redirect);
            }
        }
        store.close();
        try {
            if (websocket != null) {
                websocket.awaitSocketsClosed(SOCKET_CLOSE_TIMEOUT);
            }
        } catch (InterruptedException e) {
            // Stop at once, without waiting for the closing handshakes; the caller still sees the interrupt.
            Thread.currentThread().interrupt();
        }
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop cleanly", e);
        } finally {
            if (websocket != null) {
                websocket.close();
            }
            bosh.close();
            if (admin != null) {
                admin.close();
            }
            callbacks.shutdown();
            if (forwarder != null) {
                forwarder.close();
            }
            if (cluster != null) {
                // last: until Jetty stopped, other nodes still forwarded this node's sessions' requests here
                cluster.close();
            }
        }
    }

    @Override
    public String toString() {
        return "PorticoServer[" + config.http().host() + ":" + (server.isStarted() ? port() : "stopped") + " "
                + store + "]";
    }
}
