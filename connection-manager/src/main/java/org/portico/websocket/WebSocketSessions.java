package org.portico.websocket;

import java.security.SecureRandom;
import java.util.Optional;
import org.portico.client.AddressLimits;
import org.portico.cluster.SessionDirectory;
import org.portico.metrics.Metrics;
import org.portico.session.ClientSession;
import org.portico.session.SessionLease;
import org.portico.session.SessionLog;
import org.portico.store.Admission;
import org.portico.store.SessionStore;
import org.portico.upstream.StreamHeader;
import org.portico.upstream.UpstreamConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a WebSocket's first {@code <open/>} leads: to the session its {@code resume:token} names, when that session
 * can be resumed, otherwise to a new session with a new upstream stream. Sessions live in the {@link SessionStore}
 * shared with BOSH, keyed by the id part of their token; the store owns their grace periods. In a cluster the id
 * names its node ({@link SessionDirectory}), and a token whose session lives on another live node sends the client
 * there ({@link OwnedElsewhere}). Stateless itself.
 */
final class WebSocketSessions {

    private static final Logger log = LoggerFactory.getLogger(WebSocketSessions.class);

    private final WebSocketConfig config;
    private final UpstreamConnector connector;
    private final SessionStore<String, ClientSession> store;
    private final AddressLimits limits;
    private final SecureRandom random;
    private final Metrics metrics;
    private final SessionDirectory directory;

    /** A single Portico's: every session lives here. */
    WebSocketSessions(WebSocketConfig config, UpstreamConnector connector, SessionStore<String, ClientSession> store,
            AddressLimits limits, SecureRandom random, Metrics metrics) {
        this(config, connector, store, limits, random, metrics, SessionDirectory.LOCAL);
    }

    WebSocketSessions(WebSocketConfig config, UpstreamConnector connector, SessionStore<String, ClientSession> store,
            AddressLimits limits, SecureRandom random, Metrics metrics, SessionDirectory directory) {
        this.config = config;
        this.directory = directory;
        this.metrics = metrics;
        this.connector = connector;
        this.store = store;
        this.limits = limits;
        this.random = random;
    }

    WebSocketConfig config() {
        return config;
    }

    /**
     * Whether {@link #open} never waits for the network, so that a socket's first frame may be handled on Jetty's
     * selector: a single Portico's store is in memory and its upstream connects on a thread of its own; only a
     * cluster node's directory may wait ({@link SessionDirectory#neverWaits}).
     */
    boolean openNeverWaits() {
        return directory.neverWaits();
    }

    /**
     * The session a client's first {@code <open/>} on a new socket belongs to, resumed or new.
     *
     * @throws FramingCodec.FramingException when no session can be started: no {@code to}, the client's address
     *         holds or opens too many ({@code policy-violation}), or the store is full
     * @throws OwnedElsewhere when the token names a session that lives on another node of the cluster
     */
    WebSocketSession open(ClientConnection connection, FramingCodec.Open open) throws FramingCodec.FramingException,
            OwnedElsewhere {
        if (open.asksToResume()) {
            Optional<WebSocketSession> resumed = resume(connection, open);
            if (resumed.isPresent()) {
                return resumed.get();
            }
        }
        StreamHeader header = open.header();
        String id = directory.newId(ResumeToken.newSessionId(random));
        Optional<AddressLimits.Refusal> refusal = limits.admit(id, connection.client());
        if (refusal.isPresent()) {
            throw new FramingCodec.FramingException(StreamErrorCondition.POLICY_VIOLATION,
                    "new session refused: " + refusal.get() + " (" + refusal.get().key() + ")");
        }
        SessionLease lease = limits.lease(id, SessionLease.of(store, id));
        WebSocketSession session = new WebSocketSession(id, connection.origin(), config, lease, random);
        Admission admission = store.tryPut(id, session, config.idleTimeout());
        if (!admission.admitted()) {
            limits.released(id);
            throw new FramingCodec.FramingException(StreamErrorCondition.RESOURCE_CONSTRAINT,
                    "session not admitted: " + admission);
        }
        lease.busy();
        directory.claim(id);
        new SessionLog(log, id, connection.client()).info("WebSocket session {} created for {}", id, header.to());
        session.start(connection, header, connector);
        return session;
    }

    private Optional<WebSocketSession> resume(ClientConnection connection, FramingCodec.Open open)
            throws OwnedElsewhere {
        Optional<ResumeToken> presented = ResumeToken.parse(open.resumeToken());
        Optional<ClientSession> local = presented.flatMap(token -> store.get(token.sessionId()));
        if (local.orElse(null) instanceof WebSocketSession session
                && session.resume(connection, presented.get(), open.resumeH())) {
            metrics.reloadResumed(Metrics.Reload.RESUME_TOKEN);
            return Optional.of(session);
        }
        if (presented.isPresent() && local.isEmpty()) {
            Optional<SessionDirectory.Node> owner = directory.ownerElsewhere(presented.get().sessionId());
            if (owner.isPresent()) {
                metrics.resumptionRedirected();
                throw new OwnedElsewhere(owner.get(), config.urlAt(owner.get().publicUrl()));
            }
        }
        new SessionLog(log, null, connection.client()).info("WebSocket resumption with {} refused: unknown, expired "
                + "or not resumable; starting a fresh stream",
                presented.map(ResumeToken::toString).orElse("a malformed token"));
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "WebSocketSessions[" + store + "]";
    }

    /** A resumption for a session another cluster node owns: the client is sent to {@link #url} there. */
    static final class OwnedElsewhere extends Exception {
        private final transient SessionDirectory.Node owner;
        private final String url;

        OwnedElsewhere(SessionDirectory.Node owner, String url) {
            super("the session lives on node " + owner.name(), null, false, false);
            this.owner = owner;
            this.url = url;
        }

        SessionDirectory.Node owner() {
            return owner;
        }

        String url() {
            return url;
        }
    }
}
