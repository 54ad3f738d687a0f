package org.portico.websocket;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import com.github.benmanes.caffeine.cache.Ticker;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.portico.client.AddressLimits;
import org.portico.cluster.SessionDirectory;
import org.portico.http.HttpConfig;
import org.portico.metrics.Metrics;
import org.portico.session.Beat;
import org.portico.session.BeatSchedule;
import org.portico.session.ClientSession;
import org.portico.session.SessionGate;
import org.portico.store.SessionStore;
import org.portico.upstream.UpstreamConnector;
import org.portico.xml.XmlParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket transport as the server assembles it: the handler to map at {@code websocket.path}, the
 * sessions behind it (in the store shared with BOSH), and the beat: one thread ({@link Beat}) that, every
 * {@link #BEAT} (or every {@code websocket.pingInterval} when shorter), pings the sockets due a ping and drops those
 * silent for {@code websocket.idleTimeout} ({@link Heartbeat}). One beat for all sockets wakes one thread once a
 * second, where a timer per socket woke it for every ping (360 times a second at 9,000 sockets), and the pings and
 * their pongs come in bursts that Jetty's selector handles together. The beat visits only the sockets due a
 * decision, kept by when that is ({@link BeatSchedule}): walking all 9,000 every second was a third of its time
 * (docs/benchmarks.md). It rests while no socket is open. Built once at start-up; {@link #close} stops the beat
 * after the sockets are gone.
 *
 * <p>Threads: sockets are opened and closed on Jetty's threads, the beat runs on its own; {@link #open} and the
 * schedule guard themselves. A socket that closes while the beat decides on it may be scheduled once more; the beat
 * drops it then.
 */
public final class WebSocketTransport implements AutoCloseable {

    /** How often the beat runs at most: pings go out up to this late, and a dead peer is dropped this late. */
    static final Duration BEAT = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketTransport.class);

    private final WebSocketConfig config;
    private final HttpConfig http;
    private final String boshPath;
    private final FramingCodec codec;
    private final WebSocketSessions sessions;
    private final OriginPolicy origins;
    /** The beat's thread; it rests while no socket is open. */
    private final Beat beat;
    private final Ticker clock;
    private final Metrics metrics;
    private final SessionGate gate;
    private final Set<XmppWebSocketEndpoint> open = ConcurrentHashMap.newKeySet();
    /** The open sockets by when their heartbeats are to be asked next. */
    private final BeatSchedule<XmppWebSocketEndpoint> heartbeats;

    /**
     * @param boshPath the BOSH endpoint's path, for {@code websocket.redirectToBosh}
     * @param gate     closed while Portico drains: new streams are then sent elsewhere or refused
     */
    public WebSocketTransport(WebSocketConfig config, HttpConfig http, String boshPath, XmlParser parser,
            UpstreamConnector connector, SessionStore<String, ClientSession> store, AddressLimits limits,
            Ticker clock, Metrics metrics, SessionGate gate) {
        this(config, http, boshPath, parser, connector, store, limits, clock, metrics, gate, SessionDirectory.LOCAL);
    }

    /** @param directory where sessions live in the cluster ({@link SessionDirectory#LOCAL} for a single Portico) */
    public WebSocketTransport(WebSocketConfig config, HttpConfig http, String boshPath, XmlParser parser,
            UpstreamConnector connector, SessionStore<String, ClientSession> store, AddressLimits limits,
            Ticker clock, Metrics metrics, SessionGate gate, SessionDirectory directory) {
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.gate = gate;
        this.http = http;
        this.boshPath = boshPath;
        this.codec = new FramingCodec(parser);
        this.sessions = new WebSocketSessions(config, connector, store, limits, new SecureRandom(), metrics,
                directory);
        this.origins = new OriginPolicy(http.allowedOrigins(), http.publicUrl());
        Duration period = config.pingInterval().isZero() || config.pingInterval().compareTo(BEAT) > 0 ? BEAT
                : config.pingInterval();
        this.heartbeats = new BeatSchedule<>(period);
        this.beat = new Beat("websocket-beat", heartbeats, period, this::askHeartbeats);
    }

    public WebSocketConfig config() {
        return config;
    }

    /** The handler to map at {@link WebSocketConfig#path()} on {@code server}. */
    public XmppWebSocketHandler handler(Server server) {
        return new XmppWebSocketHandler(this, server);
    }

    Metrics metrics() {
        return metrics;
    }

    SessionGate gate() {
        return gate;
    }

    OriginPolicy origins() {
        return origins;
    }

    WebSocketSessions sessions() {
        return sessions;
    }

    /**
     * A new socket's endpoint, after the handshake was accepted.
     *
     * @param client the upgrade request's remote address
     * @param origin its {@code Origin} header, or null
     */
    XmppWebSocketEndpoint newEndpoint(Request request, String client, String origin) {
        return new XmppWebSocketEndpoint(this, codec, config.redirectToBosh() ? boshUrl(request) : null, client,
                origin);
    }

    /** Where BOSH is for a client that reached us with this request: the public URL, or the request's own host. */
    private String boshUrl(Request request) {
        if (!http.publicUrl().isEmpty()) {
            return http.publicUrl() + boshPath;
        }
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (host == null) {
            host = Request.getServerName(request) + ":" + Request.getServerPort(request);
        }
        return (request.isSecure() ? "https://" : "http://") + host + boshPath;
    }

    /** Portico's monotonic clock, in nanoseconds: the heartbeats read it. */
    long nanoTime() {
        return clock.read();
    }

    /** One beat: every socket due a decision decides on the same reading of the clock. */
    private void askHeartbeats() {
        long now = clock.read();
        for (XmppWebSocketEndpoint endpoint : heartbeats.takeDueBefore(now + 1, XmppWebSocketEndpoint::beatAt)) {
            if (!open.contains(endpoint)) {
                continue; // closed while the beat last decided on it, and scheduled again after its close
            }
            try {
                if (endpoint.beat(now)) {
                    heartbeats.add(endpoint, endpoint.beatAt());
                }
            } catch (RuntimeException e) {
                // a failure of one socket must not keep the others from their pings
                LOG.warn("WebSocket heartbeat of {} failed", endpoint, e);
            }
        }
    }

    void opened(XmppWebSocketEndpoint endpoint) {
        open.add(endpoint);
        heartbeats.add(endpoint, endpoint.beatAt());
    }

    void closed(XmppWebSocketEndpoint endpoint) {
        open.remove(endpoint);
        heartbeats.remove(endpoint, endpoint.beatAt());
    }

    /**
     * Closes the sockets that never opened a stream and waits, at most {@code timeout}, for every socket to finish
     * its closing handshake, so the {@code <close/>} frames sessions sent on shutdown reach their clients before
     * Jetty stops.
     */
    public void awaitSocketsClosed(Duration timeout) throws InterruptedException {
        open.forEach(XmppWebSocketEndpoint::closeUnbound);
        // real time, not the injected clock: this waits for real sockets to finish their closing handshakes while
        // Portico stops, and no test drives a stop with a manual clock
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        beat.close();
    }

    @Override
    public String toString() {
        return "WebSocketTransport[" + config.path() + " sockets=" + open.size() + "]";
    }
}
