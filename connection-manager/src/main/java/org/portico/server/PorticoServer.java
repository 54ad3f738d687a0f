package org.portico.server;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.URL;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.CrossOriginHandler;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.portico.bosh.BoshServlet;
import org.portico.bosh.BoshSessions;
import org.portico.http.HostMetaServlet;
import org.portico.session.ClientSession;
import org.portico.store.RemovalReason;
import org.portico.store.SessionStore;
import org.portico.upstream.UpstreamConnector;
import org.portico.websocket.WebSocketTransport;
import org.portico.xml.XmlParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Portico: Jetty with the BOSH servlet, host-meta and (when present) the demo page, the session store
 * and the upstream connector. Built from a {@link PorticoConfig}; tests start it on port 0.
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
    private final ExecutorService callbacks = Executors.newVirtualThreadPerTaskExecutor();
    /** Null when {@code websocket.enabled=false}. */
    private final WebSocketTransport websocket;

    public PorticoServer(PorticoConfig config, UpstreamConnector connector) {
        this(config, connector, Ticker.systemTicker());
    }

    /**
     * @param clock the one monotonic clock of this Portico (nanoseconds): session expiry, BOSH timing and WebSocket
     *              heartbeats all read it, so tests can move time by hand
     */
    public PorticoServer(PorticoConfig config, UpstreamConnector connector, Ticker clock) {
        this.config = config;
        this.store = new SessionStore<>(config.store(), clock, Scheduler.systemScheduler(), callbacks,
                PorticoServer::removed);
        XmlParser parser = new XmlParser(config.xml());
        BoshSessions bosh = new BoshSessions(config.bosh(), parser, connector, store, clock);

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("portico-http");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server = new Server(threads);
        ServerConnector http = new ServerConnector(server);
        http.setHost(config.http().host());
        http.setPort(config.http().port());
        // longer than any BOSH hold (PorticoConfig checks it), so no connection idles out under a held request
        http.setIdleTimeout(config.http().idleTimeout().toMillis());
        http.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration()
                .setHeaderCacheSize(config.http().headerCacheSize());
        server.addConnector(http);
        server.addBean(new NetworkConnectionLimit(config.http().maxConnections(), server));

        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder boshHolder = new ServletHolder("bosh", new BoshServlet(bosh, config.xml().maxBytes()));
        boshHolder.setAsyncSupported(true);
        context.addServlet(boshHolder, config.bosh().path());
        websocket = config.websocket().enabled() ? new WebSocketTransport(config.websocket(), config.http(),
                config.bosh().path(), parser, connector, store, clock) : null;
        if (websocket != null) {
            JettyWebSocketServletContainerInitializer.configure(context, null);
            context.addServlet(new ServletHolder("websocket", websocket.servlet()), config.websocket().path());
        }
        HostMetaServlet hostMeta = new HostMetaServlet(config.http().publicUrl(), config.bosh().path(),
                websocket != null ? config.websocket().path() : null);
        context.addServlet(new ServletHolder("host-meta", hostMeta), "/.well-known/host-meta");
        context.addServlet(new ServletHolder("host-meta-json", hostMeta), "/.well-known/host-meta.json");
        URL demo = PorticoServer.class.getClassLoader().getResource(DEMO_RESOURCES + "/index.html");
        if (config.http().demo() && demo != null) {
            context.setBaseResource(ResourceFactory.of(context).newClassLoaderResource(DEMO_RESOURCES));
            context.addServlet(new ServletHolder("demo", DefaultServlet.class), "/");
        }
        server.setHandler(wrap(context));
    }

    /**
     * CORS and gzip around the servlets. GzipHandler is deprecated in Jetty 12.1 for CompressionHandler, which, as of
     * 12.1.14, sends a compressed BOSH response chunked, where GzipHandler gives a complete one its Content-Length:
     * BOSH responses must not be chunked (R3; BoshHttpEdgeTest.responsesAreGzippedWhenTheClientAcceptsIt_R4).
     */
    @SuppressWarnings("removal")
    private Handler wrap(ServletContextHandler context) {
        Handler handler = context;
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
            handler = cors;
        }
        if (config.http().gzip()) {
            GzipHandler gzip = new GzipHandler();
            gzip.setIncludedMethods("GET", "POST");
            gzip.setMinGzipSize(256);
            gzip.setHandler(handler);
            handler = gzip;
        }
        return handler;
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
        log.info("Portico listening on http://{}:{} (BOSH at {}, WebSocket at {})", config.http().host(), port(),
                config.bosh().path(), websocket != null ? config.websocket().path() : "off");
        return this;
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    public PorticoConfig config() {
        return config;
    }

    public SessionStore<String, ClientSession> store() {
        return store;
    }

    /**
     * Tells every client {@code system-shutdown}, or to move to {@code http.shutdownRedirect} (see-other-uri),
     * closes every upstream, lets WebSocket closing handshakes finish, then stops Jetty.
     *
     * @throws IllegalStateException if Jetty fails to stop
     */
    @Override
    public void close() {
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
            callbacks.shutdown();
        }
    }

    @Override
    public String toString() {
        return "PorticoServer[" + config.http().host() + ":" + (server.isStarted() ? port() : "stopped") + " "
                + store + "]";
    }
}
