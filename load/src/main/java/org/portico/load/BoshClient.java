package org.portico.load;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BOSH (XEP-0124/0206) the way browser libraries such as Strophe.js do it: hold=1, so at most two requests are out;
 * one is always held open for the server to answer with inbound stanzas; outbound stanzas queued while both are out
 * go together in the next request. Every request carries the next rid, and a request is dispatched only once the
 * previous one's body has been handed to its connection: the HTTP client may put two requests on two connections,
 * and a server that sees rid N+1 before rid N may stall the session (ejabberd 23.01's mod_bosh did, during login).
 * Even so, two requests on two connections can reach the server out of order, and ejabberd 23.01 parks a request
 * one rid ahead until the one before it is answered — which, for a held empty poll, is when data comes or
 * {@code wait} ends. So while logging in the client keeps one request out at a time and polls only after an answer
 * without payload: each login step is itself the request the server holds until its answer is ready.
 * Requests go on at most two {@link RequestLane}s, as a browser's do: two persistent HTTP/1.1 connections, or two
 * lanes of one HTTP/2 connection ({@code --http=2}). Each request is written whole under the client's {@code lock},
 * which also guards the queue and the rid, so rid N is on its lane before rid N+1 is built; responses are handled on
 * the reader thread of each lane's connection.
 */
final class BoshClient extends XmppClient implements RequestLane.Handler {

    private static final String HTTPBIND = "http://jabber.org/protocol/httpbind";
    private static final Pattern SID = Pattern.compile("\\ssid=['\"]([^'\"]+)['\"]");
    private static final Pattern EMPTY = Pattern.compile("^\\s*<body[^>]*(/>|>\\s*</body>)\\s*$");
    private static final Pattern FEATURES = Pattern.compile("features[\\s>/]");
    private static final Pattern TERMINATE = Pattern.compile("<body[^>]*\\stype=['\"]terminate['\"]");
    /** hold='1': one request held, one to send with. */
    private static final int MAX_LANES = 2;

    /** Where the session is created. */
    private final URI creation;
    /** Where every later request goes: the same, or another cluster node that forwards it. */
    private final URI endpoint;
    private final int wait;
    private final Duration timeout;
    private final Object lock = new Object();
    private final Deque<String> queue = new ArrayDeque<>();
    /** The lanes to {@link #endpoint}, at most {@link #MAX_LANES}. */
    private final List<RequestLane> lanes = new ArrayList<>(MAX_LANES);
    /** The body of the request out on each lane that has one: a lane not in it is free. */
    private final Map<RequestLane, String> carried = new IdentityHashMap<>();
    private long rid = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
    private String sid;
    private boolean restartPending;
    private boolean ended;
    private boolean loggingIn = true;
    /** While logging in: the last answer carried nothing, so an empty poll is needed to get the next step's data. */
    private boolean pollNeeded;
    /** The answer to the session creation, or to the terminate once the session has ended, and its lane. */
    private CompletableFuture<String> awaited;
    private RequestLane awaitedOn;
    /** The lane the last request went on. */
    private RequestLane lastSent;
    /** With {@code habits.http2()}: the connection to {@link #endpoint} whose lanes carry the requests. */
    private Http2Connection http2;
    private final BrowserHabits habits;
    /** Whether an answer came gzipped; set on the reader threads of the lanes' connections. */
    private volatile boolean gzipped;

    BoshClient(URI creation, URI endpoint, String domain, int wait, BrowserHabits habits, Duration timeout) {
        super(domain, timeout);
        this.habits = habits;
        this.creation = creation;
        this.endpoint = endpoint;
        this.wait = wait;
        this.timeout = timeout;
    }

    @Override
    protected void startStream() throws IOException, InterruptedException {
        String body = "<body content='text/xml; charset=utf-8' hold='1' rid='" + rid + "' to='" + domain
                + "' ver='1.6' wait='" + wait + "' xml:lang='en' xmpp:version='1.0' xmlns='" + HTTPBIND
                + "' xmlns:xmpp='urn:xmpp:xbosh'/>";
        CompletableFuture<String> answer = new CompletableFuture<>();
        RequestLane lane = connect(creation);
        synchronized (lock) {
            awaited = answer;
            awaitedOn = lane;
            if (creation.equals(endpoint)) {
                lanes.add(lane);
            }
            send(lane, body);
        }
        String created = await(answer, "BOSH session creation");
        if (!creation.equals(endpoint)) {
            lane.close();
        }
        Matcher matcher = SID.matcher(created);
        if (!matcher.find()) {
            throw new IOException("BOSH session creation without a sid: " + created);
        }
        synchronized (lock) {
            sid = matcher.group(1);
            pollNeeded = !FEATURES.matcher(created).find();
        }
        inbound(created);
        pump();
    }

    private String await(CompletableFuture<String> answer, String what) throws IOException, InterruptedException {
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(what + ": no answer within " + timeout.toMillis() + " ms");
        }
    }

    private RequestLane connect(URI to) throws IOException {
        Duration readTimeout = timeout.plusSeconds(wait);
        if (!habits.http2()) {
            return new HttpConnection(to, timeout, readTimeout, habits, this);
        }
        if (!to.equals(endpoint)) {
            return new Http2Connection(to, timeout, readTimeout, habits).lane(this);
        }
        synchronized (lock) {
            if (http2 == null || !http2.open()) {
                http2 = new Http2Connection(endpoint, timeout, readTimeout, habits);
            }
            return http2.lane(this);
        }
    }

    @Override
    protected void restartStream() {
        synchronized (lock) {
            restartPending = true;
        }
        pump();
    }

    @Override
    void send(String stanza) {
        synchronized (lock) {
            queue.add(stanza);
        }
        pump();
    }

    /** Sends what can be sent now: the restart alone, else everything queued, else an empty poll if none is out. */
    private void pump() {
        String failure = null;
        synchronized (lock) {
            while (failure == null) {
                int outstanding = carried.size();
                boolean empty = queue.isEmpty() && !restartPending;
                if (ended || sid == null || outstanding >= 2 || (outstanding == 1 && (empty || loggingIn))
                        || (loggingIn && empty && !pollNeeded)) {
                    return;
                }
                pollNeeded = false;
                rid++;
                String body;
                if (restartPending) {
                    restartPending = false;
                    body = "<body rid='" + rid + "' sid='" + sid + "' to='" + domain + "' xml:lang='en' "
                            + "xmpp:restart='true' xmlns='" + HTTPBIND + "' xmlns:xmpp='urn:xmpp:xbosh'/>";
                } else {
                    StringBuilder payload = new StringBuilder();
                    while (!queue.isEmpty()) {
                        payload.append(queue.poll());
                    }
                    body = "<body rid='" + rid + "' sid='" + sid + "' xmlns='" + HTTPBIND + "'>" + payload
                            + "</body>";
                }
                failure = dispatch(body);
            }
        }
        end(failure);
    }

    /**
     * Puts a request on a free lane, or on a new one; a pooled lane the server has closed meanwhile is
     * replaced once. Called under the lock. @return why the request could not be sent, or null
     */
    private String dispatch(String body) {
        RequestLane lane = null;
        for (RequestLane open : lanes) {
            if (!carried.containsKey(open) && open.open()) {
                lane = open;
                break;
            }
        }
        try {
            if (lane == null) {
                lane = fresh();
            }
            try {
                send(lane, body);
            } catch (IOException stale) {
                forget(lane);
                send(fresh(), body);
            }
            return null;
        } catch (IOException e) {
            return "BOSH request failed: " + e;
        }
    }

    private RequestLane fresh() throws IOException {
        lanes.removeIf(lane -> !lane.open() && !carried.containsKey(lane));
        RequestLane lane = connect(endpoint);
        lanes.add(lane);
        return lane;
    }

    private void send(RequestLane lane, String body) throws IOException {
        lastSent = lane;
        carried.put(lane, body);
        lane.post(body);
    }

    private void forget(RequestLane lane) {
        carried.remove(lane);
        lanes.remove(lane);
        lane.close();
    }

    @Override
    public void answered(RequestLane lane, int status, String body) {
        if (lane.gzipped()) {
            gzipped = true;
        }
        CompletableFuture<String> waiting;
        synchronized (lock) {
            carried.remove(lane);
            waiting = lane == awaitedOn ? awaited : null;
            if (waiting != null) {
                awaitedOn = null;
            } else if (ended) {
                return;
            }
            if (loggingIn && waiting == null) {
                pollNeeded = carried.isEmpty() && EMPTY.matcher(body).matches();
            }
        }
        if (status != 200) {
            String reason = "BOSH HTTP " + status;
            if (waiting != null) {
                waiting.completeExceptionally(new IOException(reason));
            }
            end(reason);
            return;
        }
        if (waiting != null) {
            waiting.complete(body);
            return;
        }
        inbound(body);
        if (TERMINATE.matcher(body).find()) {
            end("BOSH session terminated by the server: " + body);
            return;
        }
        pump();
    }

    @Override
    public void ended(RequestLane lane, boolean resendable, String reason) {
        String failure = null;
        CompletableFuture<String> waiting = null;
        synchronized (lock) {
            lanes.remove(lane);
            String body = carried.remove(lane);
            if (body == null) {
                return;
            }
            boolean awaitedHere = lane == awaitedOn;
            if (resendable) {
                System.err.println("load: BOSH request sent again: " + reason);
                failure = dispatch(body);
                if (awaitedHere) {
                    awaitedOn = lastSent;
                }
            } else {
                failure = "BOSH request failed: " + reason;
            }
            if (failure != null && awaitedHere) {
                waiting = awaited;
                awaitedOn = null;
            }
            if (ended) {
                failure = null;
            }
        }
        if (waiting != null) {
            waiting.completeExceptionally(new IOException(failure));
        }
        end(failure);
    }

    @Override
    protected void loggedIn() {
        synchronized (lock) {
            loggingIn = false;
        }
        pump();
    }

    /** Ends the session for {@code reason}; nothing when null. */
    private void end(String reason) {
        if (reason == null) {
            return;
        }
        synchronized (lock) {
            if (ended) {
                return;
            }
            ended = true;
        }
        failed(reason);
    }

    @Override
    boolean compressed() {
        return gzipped;
    }

    @Override
    public void close() {
        CompletableFuture<String> answer = new CompletableFuture<>();
        synchronized (lock) {
            if (!ended && sid != null) {
                rid++;
                String body = "<body rid='" + rid + "' sid='" + sid + "' type='terminate' xmlns='" + HTTPBIND
                        + "'><presence xmlns='jabber:client' type='unavailable'/></body>";
                awaited = answer;
                ended = true;
                if (dispatch(body) != null) {
                    answer.complete("");
                } else {
                    awaitedOn = lastSent;
                }
            } else {
                answer.complete("");
            }
            ended = true;
        }
        try {
            answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // the session is gone either way
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<RequestLane> open;
        synchronized (lock) {
            open = List.copyOf(lanes);
            lanes.clear();
            carried.clear();
        }
        open.forEach(RequestLane::close);
    }
}
