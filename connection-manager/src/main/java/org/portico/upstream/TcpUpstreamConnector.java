package org.portico.upstream;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.portico.xml.XmlParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens one {@link UpstreamStream} per session over plain TCP with STARTTLS, as an XMPP client would
 * (RFC 6120 §3–§5). Immutable and thread-safe; build one from the configuration at startup and share it.
 */
public final class TcpUpstreamConnector implements UpstreamConnector {

    private static final Logger LOG = LoggerFactory.getLogger(TcpUpstreamConnector.class);

    private final UpstreamConfig config;
    private final UpstreamResolver resolver;
    private final UpstreamTls tls;
    private final XmlParser parser;
    private final Scheduler timer;
    /**
     * Read the open plain-TCP streams of sessions that never wait, each a share of them in turn
     * ({@code upstream.pollers}); a poller's thread runs only while it has some.
     */
    private final UpstreamPoller[] pollers;
    private final AtomicInteger nextPoller = new AtomicInteger();

    /**
     * A connector that looks up SRV records in DNS through the JDK (when {@code config.srvLookup()} is on), on the
     * system clock.
     *
     * @throws IllegalArgumentException when the trust store cannot be loaded
     */
    public TcpUpstreamConnector(UpstreamConfig config) {
        this(config, new JndiSrvLookup(config.connectTimeout()), Scheduler.systemScheduler());
    }

    /**
     * A connector with its own SRV source (e.g. a fake DNS in tests) and its own timer for the close timeout, on
     * Portico's one clock (a manual one in tests).
     *
     * @throws IllegalArgumentException when the trust store cannot be loaded
     */
    public TcpUpstreamConnector(UpstreamConfig config, SrvLookup srv, Scheduler timer) {
        this.timer = Objects.requireNonNull(timer, "timer");
        this.config = Objects.requireNonNull(config, "config");
        this.resolver = new UpstreamResolver(config, srv, new SecureRandom());
        this.tls = UpstreamTls.create(config);
        this.parser = new XmlParser(config.xmlLimits());
        this.pollers = new UpstreamPoller[config.pollers()];
        for (int i = 0; i < pollers.length; i++) {
            pollers[i] = new UpstreamPoller(String.valueOf(i + 1), config.connectTimeout());
        }
        if (!config.verifyHostname()) {
            LOG.warn("upstream certificates are not checked against the XMPP domain (upstream.verifyHostname=false)");
        }
    }

    @Override
    public Upstream connect(StreamHeader header, String route, String client, UpstreamListener listener) {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(listener, "listener");
        UpstreamStream stream = new UpstreamStream(header, route, client, listener, resolver, tls, config, parser,
                timer, pollers[Math.floorMod(nextPoller.getAndIncrement(), pollers.length)]);
        stream.start();
        return stream;
    }

    public UpstreamConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "TcpUpstreamConnector[" + config.domains().keySet() + (config.srvLookup() ? " + SRV]" : "]");
    }
}
