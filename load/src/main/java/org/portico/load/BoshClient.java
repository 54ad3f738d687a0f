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
 * Requests go on at most two persistent {@link HttpConnection}s, as a browser's do, each written whole under the
 * client's {@code lock}, which also guards the queue and the rid, so rid N is on its connection before rid N+1 is
 * built; responses are handled on each connection's reader thread.
 */
final class BoshClient extends XmppClient implements HttpConnection.Handler {

    private static final String HTTPBIND = "http://jabber.org/protocol/httpbind";
    private static final Pattern SID = Pattern.compile("\\ssid=['\"]([^'\"]+)['\"]");
    private static final Pattern EMPTY = Pattern.compile("^\\s*<body[^>]*(/>|>\\s*</body>)\\s*$");
    private static final Pattern FEATURES = Pattern.compile("features[\\s>/]");
    private static final Pattern TERMINATE = Pattern.compile("<body[^>]*\\stype=['\"]terminate['\"]");
    /** hold='1': one request held, one to send with. */
    private static final int MAX_CONNECTIONS = 2;

    /** Where the session is created. */
    private final URI creation;
    /** Where every later request goes: the same, or another cluster node that forwards it. */
    private final URI endpoint;
    private final int wait;
    private final Duration timeout;
    private final Object lock = new Object();
    private final Deque<String> queue = new ArrayDeque<>();
    /** The connections to {@link #endpoint}, at most {@link #MAX_CONNECTIONS}. */
    private final List<HttpConnection> connections = new ArrayList<>(MAX_CONNECTIONS);
    /** The body of the request out on each connection that has one: a connection not in it is free. */
    private final Map<HttpConnection, String> carried = new IdentityHashMap<>();
    private long rid = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
    private String sid;
    private boolean restartPending;
    private boolean ended;
    private boolean loggingIn = true;
    /** While logging in: the last answer carried nothing, so an empty poll is needed to get the next step's data. */
    private boolean pollNeeded;
    /** The answer to the session creation, or to the terminate once the session has ended, and its connection. */
    private CompletableFuture<String> awaited;
    private HttpConnection awaitedOn;
    /** The connection the last request went on. */
    private HttpConnection lastSent;
    private final BrowserHabits habits;
    /** Whether an answer came gzipped; set on the connections' reader threads. */
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
        HttpConnection connection = connect(creation);
        synchronized (lock) {
            awaited = answer;
            awaitedOn = connection;
            if (creation.equals(endpoint)) {
                connections.add(connection);
            }
            send(connection, body);
        }
        String created = await(answer, "BOSH session creation");
        if (!creation.equals(endpoint)) {
            connection.close();
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

    private HttpConnection connect(URI to) throws IOException {
        return new HttpConnection(to, timeout, timeout.plusSeconds(wait), habits, this);
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
     * Puts a request on a free connection, or on a new one; a pooled connection the server has closed meanwhile is
     * replaced once. Called under the lock. @return why the request could not be sent, or null
     */
    private String dispatch(String body) {
        HttpConnection connection = null;
        for (HttpConnection open : connections) {
            if (!carried.containsKey(open) && open.open()) {
                connection = open;
                break;
            }
        }
        try {
            if (connection == null) {
                connection = fresh();
            }
            try {
                send(connection, body);
            } catch (IOException stale) {
                forget(connection);
                send(fresh(), body);
            }
            return null;
        } catch (IOException e) {
            return "BOSH request failed: " + e;
        }
    }

    private HttpConnection fresh() throws IOException {
        connections.removeIf(connection -> !connection.open() && !carried.containsKey(connection));
        HttpConnection connection = connect(endpoint);
        connections.add(connection);
        return connection;
    }

    private void send(HttpConnection connection, String body) throws IOException {
        lastSent = connection;
        carried.put(connection, body);
        connection.post(body);
    }

    private void forget(HttpConnection connection) {
        carried.remove(connection);
        connections.remove(connection);
        connection.close();
    }

    @Override
    public void answered(HttpConnection connection, int status, String body) {
        if (connection.gzipped()) {
            gzipped = true;
        }
        CompletableFuture<String> waiting;
        synchronized (lock) {
            carried.remove(connection);
            waiting = connection == awaitedOn ? awaited : null;
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
    public void ended(HttpConnection connection, boolean atBoundary, String reason) {
        String failure = null;
        CompletableFuture<String> waiting = null;
        synchronized (lock) {
            connections.remove(connection);
            String body = carried.remove(connection);
            if (body == null) {
                return;
            }
            boolean awaitedHere = connection == awaitedOn;
            if (atBoundary && connection.answers() > 0) {
                // a kept-alive connection the server closed as the request went out: nothing reached it
                System.err.println("load: BOSH request sent again after a stale pooled connection");
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
        List<HttpConnection> open;
        synchronized (lock) {
            open = List.copyOf(connections);
            connections.clear();
            carried.clear();
        }
        open.forEach(HttpConnection::close);
    }
}
