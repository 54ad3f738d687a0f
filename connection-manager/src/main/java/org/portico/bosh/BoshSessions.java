package org.portico.bosh;

import com.github.benmanes.caffeine.cache.Ticker;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.portico.client.AddressLimits;
import org.portico.cluster.SessionDirectory;
import org.portico.metrics.Metrics;
import org.portico.session.ClientSession;
import org.portico.session.SessionGate;
import org.portico.session.SessionLease;
import org.portico.session.SessionLog;
import org.portico.session.WaitingActions;
import org.portico.store.Admission;
import org.portico.store.SessionStore;
import org.portico.upstream.UpstreamConnector;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlParser;
import org.portico.xml.XmlText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BOSH endpoint behind {@link BoshHandler}: it parses each request body, creates sessions (XEP-0124 §7) and
 * routes every other request to its session by sid. A request for a session held here is handled on the calling
 * thread, which may be Jetty's selector, since a session never waits; what may wait goes to {@link #mayWait}.
 * Stateless itself: sessions live in the shared {@link SessionStore}, which also owns their expiry. In a cluster,
 * the {@link SessionDirectory} names the node in each new sid and tells which node owns a sid this one does not
 * hold, and {@link BoshForwarding} carries such a request there. The waits of held requests are kept by one
 * {@link HeldRequestWaits} beat, started here and stopped by {@link #close}.
 */
public final class BoshSessions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BoshSessions.class);
    private static final Logger wire = LoggerFactory.getLogger("portico.wire");
    /** 144 random bits: unguessable (R14, R64) and a whole number of base64 characters. */
    private static final int SID_BYTES = 18;

    private final BoshConfig config;
    private final XmlParser parser;
    private final UpstreamConnector connector;
    private final SessionStore<String, ClientSession> store;
    private final AddressLimits limits;
    private final Ticker clock;
    private final Metrics metrics;
    private final SessionGate gate;
    private final SessionDirectory directory;
    private final BoshForwarding forwarding;
    private final SecureRandom random = new SecureRandom();
    private final HeldRequestWaits waits;
    /** Where what may wait runs: opening a session, asking the cluster who owns a sid, forwarding there. */
    private final Executor mayWait;

    /** A single Portico's: every session lives here. */
    public BoshSessions(BoshConfig config, XmlParser parser, UpstreamConnector connector,
            SessionStore<String, ClientSession> store, AddressLimits limits, Ticker clock, Metrics metrics,
            SessionGate gate) {
        this(config, parser, connector, store, limits, clock, metrics, gate, SessionDirectory.LOCAL, null);
    }

    /**
     * @param gate       closed while Portico drains: creation requests are then sent elsewhere or refused
     * @param directory  where sessions live in the cluster ({@link SessionDirectory#LOCAL} for a single Portico)
     * @param forwarding carries requests to other nodes; null for a single Portico, whose directory names none
     */
    public BoshSessions(BoshConfig config, XmlParser parser, UpstreamConnector connector,
            SessionStore<String, ClientSession> store, AddressLimits limits, Ticker clock, Metrics metrics,
            SessionGate gate, SessionDirectory directory, BoshForwarding forwarding) {
        this(config, parser, connector, store, limits, clock, metrics, gate, directory, forwarding,
                directory.neverWaits() ? Runnable::run : WaitingActions.OFF_PLATFORM_THREADS);
    }

    /**
     * @param mayWait where what may wait for the network runs (opening a session, asking the cluster's directory):
     *                {@link WaitingActions#OFF_PLATFORM_THREADS}, since a request may arrive on Jetty's selector;
     *                the calling thread where the directory never waits (a single Portico: the session store is in
     *                memory and the upstream connects on a thread of its own), which spares each login a virtual
     *                thread (docs/benchmarks.md); unit tests the calling thread
     */
    BoshSessions(BoshConfig config, XmlParser parser, UpstreamConnector connector,
            SessionStore<String, ClientSession> store, AddressLimits limits, Ticker clock, Metrics metrics,
            SessionGate gate, SessionDirectory directory, BoshForwarding forwarding, Executor mayWait) {
        this.mayWait = mayWait;
        this.config = config;
        this.directory = directory;
        this.forwarding = forwarding;
        this.metrics = metrics;
        this.gate = gate;
        this.parser = parser;
        this.connector = connector;
        this.store = store;
        this.limits = limits;
        this.clock = clock;
        this.waits = new HeldRequestWaits(clock, HeldRequestWaits.BEAT);
        waits.start();
    }

    public BoshConfig config() {
        return config;
    }

    HeldRequestWaits waits() {
        return waits;
    }

    /** Stops the beat that answers expired waits; Portico's Jetty has stopped, so nothing is held any more. */
    @Override
    public void close() {
        waits.close();
    }

    /** Handles one request body (already decoded to bytes); the exchange is answered now or later. */
    public void handle(byte[] body, BoshExchange exchange) {
        handle(body, null, exchange, false);
    }

    /**
     * Handles one request body that another cluster node forwarded here ({@code forwarded}) or that a client sent;
     * a forwarded request is never forwarded again.
     */
    public void handle(byte[] body, BoshExchange exchange, boolean forwarded) {
        handle(body, null, exchange, forwarded);
    }

    /**
     * Handles an XEP-0252 GET: the attributes come from its wrapper ({@code <body …/>}), its content octets go to
     * the session's {@link ScriptStream} (R68). Like a POST, one for a session another node owns is forwarded there,
     * unless another node already forwarded it ({@code forwarded}).
     */
    public void handleScript(ScriptSyntax.Request script, BoshExchange exchange, boolean forwarded) {
        handle(script.wrapper().getBytes(java.nio.charset.StandardCharsets.UTF_8), script, exchange, forwarded);
    }

    private void handle(byte[] body, ScriptSyntax.Request script, BoshExchange exchange, boolean forwarded) {
        long start = clock.read();
        route(body, script, exchange, forwarded);
        metrics.stanzaProcessed(Metrics.Direction.IN, clock.read() - start);
    }

    private void route(byte[] body, ScriptSyntax.Request script, BoshExchange exchange, boolean forwarded) {
        BoshRequest request;
        try {
            XmlElement parsed = parser.parseDocument(body);
            request = script == null ? BoshRequest.of(parsed) : BoshRequest.script(parsed, script.content());
        } catch (XmlParseException e) {
            reject(exchange, BoshCondition.BAD_REQUEST, "unparseable body: " + e.getMessage(), false);
            return;
        } catch (BoshException e) {
            reject(exchange, e.condition(), e.getMessage(), false);
            return;
        }
        Optional<String> sid = request.sid();
        if (wire.isDebugEnabled()) {
            new SessionLog(wire, sid.orElse(null), exchange.clientAddress()).debug("bosh <- {}",
                    new String(body, java.nio.charset.StandardCharsets.UTF_8));
        }
        if (sid.isEmpty()) {
            mayWait.execute(() -> create(request, exchange));
            return;
        }
        exchange.forSession(sid.get());
        Optional<ClientSession> session = store.get(sid.get());
        if (session.isPresent() && session.get() instanceof BoshSession bosh) {
            bosh.handle(request, exchange);
        } else {
            mayWait.execute(() -> notHere(sid.get(), body, script, exchange, forwarded));
        }
    }

    /** A sid this Portico does not hold: another node's (forwarded there), or unknown. */
    private void notHere(String sid, byte[] body, ScriptSyntax.Request script, BoshExchange exchange,
            boolean forwarded) {
        Optional<SessionDirectory.Node> owner;
        if (!forwarded && (owner = directory.ownerElsewhere(sid)).isPresent()) {
            if (script == null) {
                forwarding.forward(sid, owner.get(), body, exchange);
            } else {
                forwarding.forwardScript(sid, owner.get(), script.query(), exchange);
            }
        } else {
            // whether the client is legacy (R54) was said at creation, which we know nothing of: answer in a body
            reject(exchange, BoshCondition.ITEM_NOT_FOUND, "unknown sid", false);
        }
    }

    private void create(BoshRequest request, BoshExchange exchange) {
        if (!gate.isOpen()) {
            refuseWhileDraining(exchange, request.attribute(BoshNames.VER).isEmpty());
            return;
        }
        BoshParams params;
        try {
            params = BoshParams.negotiate(request, config);
        } catch (BoshException e) {
            reject(exchange, e.condition(), e.getMessage(), request.attribute(BoshNames.VER).isEmpty());
            return;
        }
        String sid = newSid();
        exchange.forSession(sid);
        Optional<AddressLimits.Refusal> refusal = limits.admit(sid, exchange.clientAddress());
        if (refusal.isPresent()) {
            reject(exchange, BoshCondition.POLICY_VIOLATION, "new session refused: " + refusal.get() + " ("
                    + refusal.get().key() + ")", params.legacy());
            return;
        }
        KeySequence keys = request.attribute(BoshNames.NEWKEY).map(KeySequence::start).orElse(null);
        SessionLease lease = limits.lease(sid, SessionLease.of(store, sid));
        BoshSession session = new BoshSession(sid, params, config, clock, lease, keys, connector,
                request.isScript() ? new ScriptStream(parser) : null, exchange, metrics);
        Admission admission = store.tryPut(sid, session, params.waitDuration().plus(config.inactivity()));
        if (!admission.admitted()) {
            limits.released(sid);
            reject(exchange, BoshCondition.INTERNAL_SERVER_ERROR, "session not admitted: " + admission,
                    params.legacy());
            return;
        }
        directory.claim(sid);
        session.start();
    }

    /**
     * Portico is draining: a new session is sent to the other Portico with terminal {@code see-other-uri} and the
     * {@code <uri/>} of its BOSH endpoint (XEP-0124 §17.2), or refused with {@code system-shutdown}.
     */
    private void refuseWhileDraining(BoshExchange exchange, boolean legacy) {
        String redirect = gate.redirect();
        BoshCondition condition = redirect.isEmpty() ? BoshCondition.SYSTEM_SHUTDOWN : BoshCondition.SEE_OTHER_URI;
        log.info("BOSH session refused while draining: {}{}", condition.wireName(),
                redirect.isEmpty() ? "" : " to " + redirect);
        List<XmlElement> uri = redirect.isEmpty() ? List.of()
                : List.of(XmlElement.of(Namespaces.HTTPBIND, "uri").withChild(new XmlText(redirect + config.path())));
        int status = condition.httpStatus(legacy);
        exchange.respond(status, null, status == 200 ? BoshResponses.terminal(condition, uri) : "");
    }

    private String newSid() {
        byte[] bytes = new byte[SID_BYTES];
        random.nextBytes(bytes);
        return directory.newId(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /**
     * A request that ends before reaching a session: one log line, the spec's terminal condition. Only a creation
     * request tells whether its client is legacy (no {@code ver}, R54); other requests are answered in a body.
     */
    private static void reject(BoshExchange exchange, BoshCondition condition, String detail, boolean legacy) {
        new SessionLog(log, null, exchange.clientAddress()).info("BOSH request rejected: {} ({})",
                condition.wireName(), BoshException.printable(detail));
        int status = condition.httpStatus(legacy);
        exchange.respond(status, null, status == 200 ? BoshResponses.terminal(condition, List.of()) : "");
    }

    @Override
    public String toString() {
        return "BoshSessions[" + store + "]";
    }
}
