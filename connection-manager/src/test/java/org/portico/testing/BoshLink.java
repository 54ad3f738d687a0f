package org.portico.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.portico.xml.XmlElement;

/**
 * A {@link ResumingChatClient}'s BOSH session, as a browser library runs one (XEP-0124, XEP-0206): hold=1, so at
 * most two requests are out at a time, one held by Portico; what the client sends goes on the next request at once.
 * Responses are handed on in rid order whatever order they arrive in (§14.1). A request that fails at the HTTP level
 * (the balancer's 502 when the node that carried it died, a reset connection) is sent again with the same rid and
 * body (§14.3), as often as it takes within a bound; a terminal condition ({@code item-not-found},
 * {@code see-other-uri}, {@code system-shutdown}…) ends the link and the client resumes elsewhere.
 *
 * <p>Its monitor guards the rids, the queue and the responses waiting for their turn.
 */
final class BoshLink implements ResumingChatClient.Link {

    private static final int WAIT_SECONDS = 20;
    private static final int MAX_RESENDS = 50;
    private static final Duration RESEND_PAUSE = Duration.ofMillis(100);
    /** Requests that failed at the HTTP level and were sent again, over every BOSH link of the test. */
    static final AtomicInteger RESENT = new AtomicInteger();
    /** Requests answered with HTTP 200, over every BOSH link of the test. */
    static final AtomicInteger ANSWERED = new AtomicInteger();
    /** Polite ends ({@code type='terminate'}) answered with a condition rather than a clean end, over every link. */
    static final AtomicInteger ENDS_WITH_CONDITION = new AtomicInteger();

    private final ResumingChatClient client;
    private final URI endpoint;
    private final String domain;
    private final HttpClient http;
    private final List<String> queued = new ArrayList<>();
    private final TreeMap<Long, XmlElement> early = new TreeMap<>();
    private long rid = 1_000 + (long) (Math.random() * 1_000_000_000L);
    private long nextToDeliver;
    private int outstanding;
    private boolean restartPending;
    private volatile boolean dead;
    private volatile String sid;

    BoshLink(ResumingChatClient client, URI balancer, String domain, HttpClient http) {
        this.client = client;
        this.endpoint = balancer.resolve("/http-bind");
        this.domain = domain;
        this.http = http;
    }

    /**
     * The requests answered with HTTP 200, the requests sent again and the terminates answered with a condition, over
     * every BOSH link so far.
     */
    static String figures() {
        return ANSWERED.get() + " answered, " + RESENT.get() + " sent again, " + ENDS_WITH_CONDITION.get()
                + " terminates answered with a condition";
    }

    @Override
    public void open() throws Exception {
        long creation;
        synchronized (this) {
            creation = ++rid;
            nextToDeliver = creation;
            outstanding = 1;
        }
        String body = "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='"
                + creation + "' to='" + domain + "' xml:lang='en' wait='" + WAIT_SECONDS + "' hold='1' ver='1.11'"
                + " xmpp:version='1.0'/>";
        HttpResponse<String> response = http.send(request(body), HttpResponse.BodyHandlers.ofString(
                StandardCharsets.UTF_8));
        XmlElement parsed = BoshTestClient.parse(response.body());
        sid = parsed.attribute("sid").orElseThrow(() -> new AssertionError("no sid: " + response.body()));
        answered(creation, body, 0, response, null);
    }

    private HttpRequest request(String body) {
        return HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(WAIT_SECONDS + 30))
                .header("Content-Type", "text/xml; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    }

    @Override
    public synchronized void restart() {
        restartPending = true;
        pump();
    }

    @Override
    public synchronized void send(String... elements) {
        queued.addAll(List.of(elements));
        pump();
    }

    /** Sends the next request while fewer than two are out and there is something to send or nothing is held. */
    private void pump() {
        while (!dead && sid != null && outstanding < 2 && (outstanding == 0 || restartPending || !queued.isEmpty())) {
            long next = ++rid;
            String attributes = "";
            String payload = "";
            if (restartPending) {
                attributes = " to='" + domain + "' xml:lang='en' xmpp:restart='true' xmlns:xmpp='urn:xmpp:xbosh'";
                restartPending = false;
            } else {
                payload = String.join("", queued);
                queued.clear();
            }
            outstanding++;
            fire(next, "<body xmlns='http://jabber.org/protocol/httpbind' sid='" + sid + "' rid='" + next + "'"
                    + attributes + ">" + payload + "</body>", 0);
        }
    }

    private void fire(long requestRid, String body, int attempt) {
        if (dead) {
            return;
        }
        // never inline: a request that fails at once would complete here, under this link's monitor (pump), and
        // answered() takes the client's monitor before the link's; the two orders deadlocked a resuming client
        http.sendAsync(request(body), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .whenCompleteAsync((response, failure) -> answered(requestRid, body, attempt, response, failure));
    }

    private void answered(long requestRid, String body, int attempt, HttpResponse<String> response,
            Throwable failure) {
        if (dead) {
            return;
        }
        if (failure != null || response.statusCode() != 200) {
            if (attempt >= MAX_RESENDS) {
                end("rid " + requestRid + " failed " + attempt + " times: "
                        + (failure != null ? failure : "HTTP " + response.statusCode()));
                return;
            }
            RESENT.incrementAndGet();
            CompletableFuture.delayedExecutor(RESEND_PAUSE.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> fire(requestRid, body, attempt + 1));
            return;
        }
        ANSWERED.incrementAndGet();
        XmlElement parsed;
        try {
            parsed = BoshTestClient.parse(response.body());
        } catch (Exception e) {
            end("unparseable response " + response.body());
            return;
        }
        if ("terminate".equals(parsed.attribute("type").orElse(null))) {
            end("terminated: " + parsed.attribute("condition").orElse("none"));
            return;
        }
        // handed on in rid order under the client's monitor (taken before this link's, as the client's own calls do),
        // so two responses completing together cannot overtake each other
        synchronized (client) {
            List<XmlElement> ready = new ArrayList<>();
            synchronized (this) {
                outstanding--;
                early.put(requestRid, parsed);
                while (early.containsKey(nextToDeliver)) {
                    ready.addAll(early.remove(nextToDeliver).childElements());
                    nextToDeliver++;
                }
            }
            ready.forEach(element -> client.received(this, element));
        }
        synchronized (this) {
            pump();
        }
    }

    private void end(String why) {
        dead = true;
        client.lost(this, why);
    }

    @Override
    public String node() {
        String id = sid;
        return id == null || id.indexOf('~') < 0 ? null : id.substring(0, id.indexOf('~'));
    }

    @Override
    public void abandon(boolean politely) {
        String id = sid;
        if (politely && !dead && id != null) {
            long last;
            String payload;
            synchronized (this) {
                last = ++rid;
                payload = String.join("", queued);
                queued.clear();
            }
            try {
                HttpResponse<String> end = http.send(request("<body xmlns='http://jabber.org/protocol/httpbind' sid='"
                        + id + "' rid='" + last + "' type='terminate'>" + payload + "</body>"),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (end.statusCode() != 200 || BoshTestClient.parse(end.body()).attribute("condition").isPresent()) {
                    ENDS_WITH_CONDITION.incrementAndGet();
                }
            } catch (Exception e) {
                // the session is gone already: nothing to end
            }
        }
        dead = true;
    }
}
