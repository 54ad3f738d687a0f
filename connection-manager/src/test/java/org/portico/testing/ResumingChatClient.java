package org.portico.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * An XMPP client that survives what a cluster does to it, as a careful browser client would: it negotiates XEP-0198
 * with resumption, keeps the server's count of what it sent and its own of what it received, and, when its
 * connection to Portico ends (its node killed or drained, a terminal BOSH condition, a closed socket), starts a new
 * stream through the balancer and resumes (XEP-0198 §5), sending again what the server had not counted. Over BOSH
 * ({@link BoshLink}) or WebSocket ({@link WebSocketLink}); every chat message it gets is recorded by sender, so a
 * test can check numbered messages arrived exactly once and in order.
 *
 * <p>Its monitor guards the stream-management state; links deliver each element in order on one thread at a time.
 */
public final class ResumingChatClient implements AutoCloseable {

    /** The transport this client speaks. */
    public enum Transport {
        BOSH, WEBSOCKET
    }

    /** A connection to Portico carrying one XMPP session; replaced whole when it ends. */
    interface Link {
        /** Opens the session's first stream. */
        void open() throws Exception;

        /** Restarts the stream after SASL (XEP-0206 §5, RFC 7395 §3.7). */
        void restart();

        /** Sends top-level elements, in order. */
        void send(String... elements);

        /** The node the session lives on, as its id names it ({@code node1~…}); null before it is known. */
        String node();

        /** Stops using it; nothing more is delivered. */
        void abandon(boolean politely);
    }

    private static final Duration STEP = Duration.ofSeconds(30);
    /** The longest a client waits before each attempt to resume. */
    private static final Duration RECONNECT_SPREAD = Duration.ofMillis(1500);
    private static final String SM_REQUEST = "<r xmlns='" + Namespaces.SM + "'/>";
    /** Put on the control queue when the link a login or resumption waits on ends, so it stops waiting. */
    private static final XmlElement LOST = XmlElement.of("urn:test:link", "lost");

    private final Transport transport;
    private final URI balancer;
    private final String domain;
    private final String user;
    private final String resource;
    private final HttpClient http;
    private final BlockingQueue<XmlElement> control = new LinkedBlockingQueue<>();
    /** Chat message numbers received, by sender's full JID, in arrival order. */
    private final Map<String, List<Integer>> received = new HashMap<>();
    private final ArrayDeque<String> unacked = new ArrayDeque<>();
    private final List<Long> resumeMillis = new ArrayList<>();
    private volatile Link link;
    private String jid;
    private String smId;
    /** Stanzas received since {@code <enabled/>}; -1 before. */
    private long inbound = -1;
    /** The server's count of stanzas it received from this client. */
    private long acked;
    private volatile boolean closing;
    private volatile String failure;
    private Thread reconnecting;
    private long lostAt;

    public ResumingChatClient(Transport transport, URI balancer, String domain, String user, String resource,
            HttpClient http) {
        this.transport = transport;
        this.balancer = balancer;
        this.domain = domain;
        this.user = user;
        this.resource = resource;
        this.http = http;
    }

    /**
     * The BOSH requests answered, those sent again after an HTTP failure, and the terminates answered with a
     * condition, over every client so far.
     */
    public static String boshFigures() {
        return BoshLink.figures();
    }

    /** The polite ends over BOSH that the server answered with a condition rather than a clean end (§11, §13). */
    public static int boshEndsWithCondition() {
        return BoshLink.ENDS_WITH_CONDITION.get();
    }

    public synchronized String jid() {
        return jid;
    }

    /** The node the session lives on now. */
    public String node() {
        Link current = link;
        return current == null ? null : current.node();
    }

    /**
     * Logs in, binds, enables XEP-0198 with resumption. A stream that fails on the way (the server, busy with
     * hundreds of logins, refused the upstream connection in time: {@code remote-connection-failed}) is abandoned
     * and the login starts over, at most {@code attempts} times, as a client library would.
     *
     * @return how many attempts it took
     */
    public int login(int attempts) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                loginOnce();
                return attempt;
            } catch (AssertionError e) {
                link.abandon(false);
                if (attempt >= attempts) {
                    throw e;
                }
            }
        }
    }

    private void loginOnce() throws Exception {
        Link first = newLink();
        XmlElement bound = authenticate(first, "<iq xmlns='jabber:client' type='set' id='bind'><bind xmlns='"
                + Namespaces.BIND + "'><resource>" + resource + "</resource></bind></iq>",
                e -> e.is(Namespaces.JABBER_CLIENT, "iq"));
        String boundJid = bound.child(Namespaces.BIND, "bind").flatMap(b -> b.child(Namespaces.BIND, "jid"))
                .orElseThrow(() -> new AssertionError("bind failed: " + bound)).text();
        synchronized (this) {
            jid = boundJid;
        }
        first.send("<enable xmlns='" + Namespaces.SM + "' resume='true'/>");
        XmlElement enabled = expect(e -> e.is(Namespaces.SM, "enabled") || e.is(Namespaces.SM, "failed"));
        if (!enabled.is(Namespaces.SM, "enabled") || enabled.attribute("id").isEmpty()) {
            throw new AssertionError("no resumable stream management: " + enabled);
        }
    }

    private Link newLink() {
        Link next = transport == Transport.BOSH ? new BoshLink(this, balancer, domain, http)
                : new WebSocketLink(this, balancer, domain, http);
        link = next;
        control.clear();
        return next;
    }

    /** Opens a stream on {@code on}, SASL PLAIN, restart, then sends {@code first} and waits for its answer. */
    private XmlElement authenticate(Link on, String first, Predicate<XmlElement> answer) throws Exception {
        on.open();
        expect(e -> e.is(Namespaces.STREAMS, "features"));
        on.send("<auth xmlns='" + Namespaces.SASL + "' mechanism='PLAIN'>" + Base64.getEncoder().encodeToString(
                ("\0" + user + "\0" + LocalProsody.password(user)).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + "</auth>");
        XmlElement outcome = expect(e -> Namespaces.SASL.equals(e.namespace()));
        if (!outcome.is(Namespaces.SASL, "success")) {
            throw new AssertionError("SASL failed for " + user + ": " + outcome);
        }
        on.restart();
        expect(e -> e.is(Namespaces.STREAMS, "features"));
        on.send(first);
        return expect(answer);
    }

    private XmlElement expect(Predicate<XmlElement> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (System.nanoTime() < deadline) {
            XmlElement next = control.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (next != null && next.is(LOST.namespace(), LOST.localName())) {
                throw new AssertionError(user + "/" + resource + ": the new stream ended: " + next.attribute("why")
                        .orElse(""));
            }
            if (next != null && wanted.test(next)) {
                return next;
            }
        }
        throw new AssertionError(user + "/" + resource + ": nothing expected within " + STEP);
    }

    /** Sends chat message number {@code n} to {@code to}; kept until the server counted it. */
    public synchronized void chat(String to, int n) {
        String stanza = "<message xmlns='jabber:client' type='chat' to='" + to + "' id='" + resource + "-" + n
                + "'><body>" + n + "</body></message>";
        unacked.add(stanza);
        if (reconnecting == null) {
            link.send(stanza, SM_REQUEST);
        }
    }

    /** What the link delivers, in order. */
    void received(Link from, XmlElement element) {
        if (from != link) {
            return;
        }
        synchronized (this) {
            if (element.is(Namespaces.SM, "r")) {
                from.send("<a xmlns='" + Namespaces.SM + "' h='" + inbound + "'/>");
                return;
            }
            if (element.is(Namespaces.SM, "a")) {
                acknowledged(Long.parseLong(element.attribute("h").orElseThrow()));
                return;
            }
            if (element.is(Namespaces.SM, "enabled")) {
                smId = element.attribute("id").orElse(null);
                inbound = 0;
            } else if (element.is(Namespaces.SM, "resumed")) {
                acknowledged(Long.parseLong(element.attribute("h").orElseThrow()));
                for (String again : unacked) {
                    from.send(again, SM_REQUEST);
                }
                resumeMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lostAt));
                reconnecting = null;
            }
            if (Namespaces.JABBER_CLIENT.equals(element.namespace()) && inbound >= 0) {
                inbound++;
                if (element.is(Namespaces.JABBER_CLIENT, "message")) {
                    element.child(Namespaces.JABBER_CLIENT, "body").ifPresent(body -> received.computeIfAbsent(
                            element.attribute("from").orElse("?"), k -> new ArrayList<>())
                            .add(Integer.parseInt(body.text())));
                }
                return;
            }
        }
        control.add(element);
    }

    private void acknowledged(long h) {
        while (acked < h && !unacked.isEmpty()) {
            unacked.removeFirst();
            acked++;
        }
        acked = h;
    }

    /** The link ended (closed socket, terminal condition): resume on a new one, once. */
    void lost(Link from, String why) {
        synchronized (this) {
            if (from != link || closing) {
                return;
            }
            if (reconnecting != null || jid == null) {
                control.add(LOST.withAttribute("why", why));
                return;
            }
            lostAt = System.nanoTime();
            reconnecting = Thread.ofVirtual().name("resume-" + resource).unstarted(() -> resume(why));
            reconnecting.start();
        }
    }

    /** New streams through the balancer until one resumes; a {@code <failed/>} is recorded, not retried. */
    private void resume(String why) {
        for (int attempt = 1; attempt <= 20 && !closing; attempt++) {
            try {
                // spread out, as client libraries do: a node's clients all lose it at once
                Thread.sleep(ThreadLocalRandom.current().nextLong(RECONNECT_SPREAD.toMillis()));
            } catch (InterruptedException interrupted) {
                return;
            }
            Link next = newLink();
            try {
                long h;
                String previd;
                synchronized (this) {
                    h = inbound;
                    previd = smId;
                }
                XmlElement outcome = authenticate(next, "<resume xmlns='" + Namespaces.SM + "' h='" + h
                        + "' previd='" + previd + "'/>", e -> e.is(Namespaces.SM, "resumed")
                        || e.is(Namespaces.SM, "failed"));
                if (outcome.is(Namespaces.SM, "failed")) {
                    failure = "resumption failed after " + why + ": " + outcome;
                }
                return;
            } catch (Exception | AssertionError e) {
                // the new stream met a node that is going away too (a drain sends it elsewhere): another one
                next.abandon(false);
            }
        }
        failure = "no resumption after " + why;
    }

    /** How many times the session was resumed, and how long each took from the loss. */
    public synchronized List<Long> resumptions() {
        return List.copyOf(resumeMillis);
    }

    /** Why the client gave up, or null. */
    public String failure() {
        return failure;
    }

    /** The numbers received from {@code sender}, in order of arrival. */
    public synchronized List<Integer> receivedFrom(String sender) {
        return List.copyOf(received.getOrDefault(sender, List.of()));
    }

    /** Acknowledges everything and ends the stream, so the server keeps nothing for it. */
    @Override
    public void close() {
        closing = true;
        Link current = link;
        if (current != null) {
            synchronized (this) {
                current.send("<a xmlns='" + Namespaces.SM + "' h='" + Math.max(0, inbound) + "'/>");
            }
            current.abandon(true);
        }
    }

    @Override
    public synchronized String toString() {
        return "ResumingChatClient[" + transport + " " + user + "/" + resource + " on " + node() + ", in " + inbound
                + ", out unacked " + unacked.size() + (reconnecting != null ? ", resuming" : "")
                + (failure != null ? ", failed: " + failure : "") + "]";
    }
}
