package org.portico.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * A BOSH page that reloads (XEP-0124), the way a browser library keeps a session across a reload: the sid and rid
 * survive in the page's storage, the old page's requests are abandoned, and the new page goes on with the next
 * rid. In <b>pause</b> mode the old page first sends {@code pause} (§10); in <b>restore</b> mode it just vanishes.
 *
 * <p>Both are lossless through acknowledgements (§9): every request carries {@code ack} = the highest rid whose
 * response was handled in order; when Portico {@code report}s a response the page never handled, it is fetched
 * again by its rid, and responses are handled strictly in rid order. One request is kept held at all times, never
 * more than one empty one: a page that polls while another request is outstanding would be overactive (§11).
 *
 * <p>On a faulty network ({@link #onFaultyNetwork}) a request whose response never came (a closed connection, an
 * HTTP error, a body that is not one) is sent again with the same rid and body (§14.3, R58): Portico resends its
 * buffered response or processes the request it never got; with acks or without.
 *
 * <p>Threads: responses arrive on the HTTP client's threads; everything below {@code this} is guarded by it.
 */
public final class BoshReloadingReceiver implements ReloadingReceiver {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** How often a report's refetch is tried on a faulty network before the receiver gives up. */
    private static final int MAX_ATTEMPTS = 50;

    private final BoshTestClient client;
    private final boolean pause;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Where requests go after login: Portico, or a {@link FaultyHttpProxy} in front of it. */
    private final URI target;
    private volatile boolean faultTolerant;
    private volatile boolean acks = true;
    private final Map<CompletableFuture<?>, Integer> inFlight = new ConcurrentHashMap<>();

    /** The current page; responses to an earlier page's requests are lost with it. */
    private int page;
    /** Requests of the current page not answered yet. */
    private int outstanding;
    private long acked;
    private final TreeMap<Long, XmlElement> unhandled = new TreeMap<>();
    /** Attributes and payload of every request not handled yet, by rid: what a new page sends again. */
    private final TreeMap<Long, String[]> issued = new TreeMap<>();
    /** Reported rids being fetched again. */
    private final java.util.TreeSet<Long> refetching = new java.util.TreeSet<>();
    private final List<String> bodies = new ArrayList<>();
    private final List<String> results = new ArrayList<>();
    private int pings;
    private Throwable failure;
    private boolean closed;

    BoshReloadingReceiver(BoshTestClient client, URI endpoint, boolean pause) {
        this.client = client;
        this.target = endpoint;
        this.pause = pause;
    }

    /**
     * A receiver whose requests, after login, go through {@code proxy}, and which resends a request whose response
     * was lost; with {@code acks} false it sends no {@code ack} attribute (Strophe, converse) and relies on resends.
     */
    public static BoshReloadingReceiver onFaultyNetwork(BoshTestClient client, URI proxy, boolean acks) {
        BoshReloadingReceiver receiver = new BoshReloadingReceiver(client, proxy, false);
        receiver.faultTolerant = true;
        receiver.acks = acks;
        return receiver;
    }

    @Override
    public String login(String user, String resource) throws Exception {
        String jid = client.login(user, LocalProsody.password(user), resource, acks);
        synchronized (this) {
            acked = client.currentRid();
            poll();
        }
        return jid;
    }

    /** Keeps one request held: polls when the current page has nothing outstanding. */
    private void poll() {
        if (outstanding == 0 && !closed && failure == null) {
            issue("", "");
        }
    }

    private void issue(String attributes, String payload) {
        long rid = client.nextRid();
        issued.put(rid, new String[] {attributes, payload});
        send(rid, attributes, payload);
    }

    private void send(long rid, String attributes, String payload) {
        int of = page;
        outstanding++;
        String body = client.body(rid, ackAttribute() + attributes, payload);
        CompletableFuture<HttpResponse<String>> response = http.sendAsync(request(body),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        inFlight.put(response, of);
        response.whenComplete((answer, error) -> {
            inFlight.remove(response);
            answered(rid, of, answer, error);
        });
    }

    private String ackAttribute() {
        return acks ? "ack='" + ack() + "' " : "";
    }

    private HttpRequest request(String body) {
        return HttpRequest.newBuilder(target).timeout(TIMEOUT)
                .header("Content-Type", "text/xml; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    }

    private void answered(long rid, int of, HttpResponse<String> answer, Throwable error) {
        synchronized (this) {
            if (of != page || closed) {
                return; // that page is gone, and its response with it
            }
            outstanding--;
            notifyAll();
        }
        try {
            XmlElement body;
            try {
                if (error != null) {
                    throw error;
                }
                body = BoshTestClient.parse(answer.body());
            } catch (Throwable lost) {
                if (!faultTolerant) {
                    throw lost;
                }
                resend(rid); // §14.3: no response came; the same request again
                return;
            }
            String type = body.attribute("type").orElse("");
            if ("terminate".equals(type)) {
                // the sid and rid find Portico's own line on the ending in target/test.log ("terminated: …")
                throw new AssertionError("session " + client.sid() + " terminated in the answer to rid " + rid
                        + " (page " + of + "): " + body);
            }
            if ("error".equals(type)) {
                resend(rid); // §17.3 recoverable: the request was not handled, send it again
                return;
            }
            long report = Long.parseLong(body.attribute("report").orElse("0"));
            if (startRefetch(report)) {
                try {
                    refetch(report);
                } finally {
                    endRefetch(report);
                }
            }
            handle(rid, body);
        } catch (Throwable e) {
            synchronized (this) {
                failure = e;
                notifyAll();
            }
        }
    }

    private synchronized void resend(long rid) {
        String[] request = issued.get(rid);
        if (rid > acked && request != null) {
            send(rid, request[0], request[1]);
        }
    }

    /**
     * Whether a reported rid is still to be fetched; while it is, no request acknowledges it, so Portico keeps
     * its response even if the page meanwhile gets that response another way.
     */
    private synchronized boolean startRefetch(long rid) {
        if (rid <= acked || refetching.contains(rid)) {
            return false;
        }
        refetching.add(rid);
        return true;
    }

    private synchronized void endRefetch(long rid) {
        refetching.remove(rid);
    }

    /** The {@code ack} to send: everything handled, short of a response being fetched again. */
    private long ack() {
        return refetching.isEmpty() ? acked : Math.min(acked, refetching.first() - 1);
    }

    /**
     * §9.2: a response the page never handled is requested again with its rid; Portico resends it exactly, with
     * the {@code report} it had then, which is stale now and not followed.
     */
    private void refetch(long rid) throws Exception {
        for (int attempt = 1; ; attempt++) {
            long ack;
            synchronized (this) {
                ack = ack();
            }
            try {
                String again = http.send(request(client.body(rid, "ack='" + ack + "'", "")),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
                handle(rid, BoshTestClient.parse(again));
                return;
            } catch (Exception lost) {
                if (!faultTolerant || attempt == MAX_ATTEMPTS) {
                    throw lost;
                }
            }
        }
    }

    /**
     * Sends a payload in its own request once one is free, keeping rid order with everything else; responses are
     * handled as usual.
     */
    public synchronized void send(String payload) throws Exception {
        awaitFreeRequest();
        issue("", payload);
    }

    /**
     * Waits until another request may go out: fewer than two outstanding (the session's {@code requests}, §11),
     * and no more than two rids beyond the last response handled in order, so that a request sent again still
     * finds its response buffered (R41, R43: without acks Portico keeps the last {@code requests} + 1).
     */
    private void awaitFreeRequest() throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while ((outstanding >= 2 || client.currentRid() - acked >= 2) && failure == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no free request within " + TIMEOUT + ": " + this);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        if (failure != null) {
            throw new AssertionError("BOSH receiver failed", failure);
        }
    }

    /** Handles responses strictly in rid order. */
    private synchronized void handle(long rid, XmlElement body) {
        if (rid > acked) {
            unhandled.put(rid, body);
        }
        while (unhandled.containsKey(acked + 1)) {
            issued.remove(acked + 1);
            for (XmlElement element : unhandled.remove(acked + 1).childElements()) {
                if (element.is(Namespaces.JABBER_CLIENT, "message")) {
                    element.child(Namespaces.JABBER_CLIENT, "body").ifPresent(b -> bodies.add(b.text()));
                } else if (element.is(Namespaces.JABBER_CLIENT, "iq")) {
                    results.add(element.attribute("id").orElse(""));
                }
            }
            acked++;
        }
        notifyAll();
        poll();
    }

    @Override
    public void reload() throws Exception {
        long pauseRid = 0;
        String pause = null;
        synchronized (this) {
            page++;
            outstanding = 0;
            if (this.pause) {
                pauseRid = client.nextRid();
                pause = client.body(pauseRid, "ack='" + ack() + "' pause='60'", "");
            } else {
                inFlight.forEach((request, of) -> request.cancel(true));
            }
        }
        if (pause != null) {
            // the old page's last act (§10), answered at once and without payloads (R32): the page does not need
            // its response, but the new page starts only once it was sent and answered
            http.send(request(pause), HttpResponse.BodyHandlers.discarding());
        }
        synchronized (this) {
            if (pause != null) {
                unhandled.put(pauseRid, XmlElement.of(Namespaces.HTTPBIND, "body"));
            }
            // the new page sends again, with the same rid and body, every request whose response it did not handle
            // (§14.3, R58): Portico resends what it answered, keeps holding what it holds, processes what it never
            // got because the old page's connection died first
            for (Map.Entry<Long, String[]> request : issued.entrySet()) {
                if (!unhandled.containsKey(request.getKey())) {
                    send(request.getKey(), request.getValue()[0], request.getValue()[1]);
                }
            }
        }
        // then says it is back with a ping: a payload, since an empty poll next to a held request would be
        // overactivity (§11)
        ping();
    }

    @Override
    public void ping() throws Exception {
        String id;
        synchronized (this) {
            awaitFreeRequest();
            id = "ping" + (++pings);
            issue("", "<iq xmlns='jabber:client' type='get' id='" + id + "' to='" + LocalProsody.DOMAIN
                    + "'><ping xmlns='urn:xmpp:ping'/></iq>");
        }
        awaitUntil(() -> results.contains(id), TIMEOUT);
    }

    @Override
    public List<String> bodies(int count, Duration timeout) throws Exception {
        try {
            awaitUntil(() -> bodies.size() >= count, timeout);
        } catch (AssertionError e) {
            // fewer than asked for: the caller compares what did arrive
        }
        return bodies();
    }

    @Override
    public synchronized List<String> bodies() {
        return List.copyOf(bodies);
    }

    private synchronized void awaitUntil(java.util.function.BooleanSupplier done, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (failure != null) {
                throw new AssertionError("BOSH receiver failed", failure);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("nothing after " + timeout + ": " + this);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        client.close(); // terminates with the next rid, which answers the request still held
        http.shutdownNow();
    }

    @Override
    public synchronized String toString() {
        return "BOSH " + (pause ? "pause" : "restore") + " receiver, sid " + client.sid() + ", acked " + acked
                + ", page " + page + ", outstanding " + outstanding + ", unhandled " + unhandled.keySet()
                + ", issued " + issued.keySet() + ", " + bodies.size() + " received";
    }
}
