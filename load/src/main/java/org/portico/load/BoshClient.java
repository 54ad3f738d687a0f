package org.portico.load;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
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
 * Requests and the queue are guarded by the client's {@code lock}; responses are handled on the HTTP client's
 * (virtual-thread) executor.
 */
final class BoshClient extends XmppClient {

    private static final String HTTPBIND = "http://jabber.org/protocol/httpbind";
    private static final Pattern SID = Pattern.compile("\\ssid=['\"]([^'\"]+)['\"]");
    private static final Pattern EMPTY = Pattern.compile("^\\s*<body[^>]*(/>|>\\s*</body>)\\s*$");
    private static final Pattern FEATURES = Pattern.compile("features[\\s>/]");
    /** The JDK HTTP client's message when a reused connection was closed before any byte of the answer came. */
    private static final String STALE_CONNECTION = "HTTP/1.1 header parser received no bytes";
    private static final Pattern TERMINATE = Pattern.compile("<body[^>]*\\stype=['\"]terminate['\"]");

    private final HttpClient http;
    /** Where the session is created. */
    private final URI creation;
    /** Where every later request goes: the same, or another cluster node that forwards it. */
    private final URI endpoint;
    private final int wait;
    private final Duration timeout;
    private final Object lock = new Object();
    private final Deque<String> queue = new ArrayDeque<>();
    private long rid = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
    private String sid;
    private int outstanding;
    private boolean restartPending;
    private boolean ended;
    private boolean loggingIn = true;
    /** While logging in: the last answer carried nothing, so an empty poll is needed to get the next step's data. */
    private boolean pollNeeded;
    /** Completes when the last dispatched request's body has been handed to its connection. */
    private CompletableFuture<Void> lastWritten = CompletableFuture.completedFuture(null);

    BoshClient(HttpClient http, URI creation, URI endpoint, String domain, int wait, Duration timeout) {
        super(domain, timeout);
        this.http = http;
        this.creation = creation;
        this.endpoint = endpoint;
        this.wait = wait;
        this.timeout = timeout;
    }

    @Override
    protected void startStream() throws IOException, InterruptedException {
        String creation = "<body content='text/xml; charset=utf-8' hold='1' rid='" + rid + "' to='" + domain
                + "' ver='1.6' wait='" + wait + "' xml:lang='en' xmpp:version='1.0' xmlns='" + HTTPBIND
                + "' xmlns:xmpp='urn:xmpp:xbosh'/>";
        HttpRequest request = request(this.creation, HttpRequest.BodyPublishers.ofString(creation));
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            if (!STALE_CONNECTION.equals(e.getMessage())) {
                throw e;
            }
            // The JDK client reused a pooled connection the server was closing, so nothing reached the server; a
            // browser sends such a request again on a new connection, the JDK client does not. Said on stderr.
            System.err.println("load: BOSH session creation sent again after a stale pooled connection");
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        if (response.statusCode() != 200) {
            throw new IOException("BOSH session creation: HTTP " + response.statusCode());
        }
        Matcher matcher = SID.matcher(response.body());
        if (!matcher.find()) {
            throw new IOException("BOSH session creation without a sid: " + response.body());
        }
        synchronized (lock) {
            sid = matcher.group(1);
            pollNeeded = !FEATURES.matcher(response.body()).find();
        }
        inbound(response.body());
        pump();
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

    private HttpRequest request(String body) {
        return request(endpoint, HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpRequest request(HttpRequest.BodyPublisher body) {
        return request(endpoint, body);
    }

    private HttpRequest request(URI to, HttpRequest.BodyPublisher body) {
        return HttpRequest.newBuilder(to).timeout(timeout.plusSeconds(wait))
                .header("Content-Type", "text/xml; charset=utf-8").POST(body).build();
    }

    /** Sends what can be sent now: the restart alone, else everything queued, else an empty poll if none is out. */
    private void pump() {
        while (true) {
            synchronized (lock) {
                boolean empty = queue.isEmpty() && !restartPending;
                if (ended || sid == null || !lastWritten.isDone() || outstanding >= 2
                        || (outstanding == 1 && (empty || loggingIn)) || (loggingIn && empty && !pollNeeded)) {
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
                outstanding++;
                WrittenBody written = new WrittenBody(body);
                lastWritten = written.done;
                written.done.thenRun(this::pump);
                http.sendAsync(request(written), HttpResponse.BodyHandlers.ofString()).whenComplete(this::answered);
            }
        }
    }

    /** A request body that tells when the HTTP client has taken all of it for its connection. */
    private static final class WrittenBody implements HttpRequest.BodyPublisher {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final HttpRequest.BodyPublisher body;

        WrittenBody(String text) {
            this.body = HttpRequest.BodyPublishers.ofString(text);
        }

        @Override
        public long contentLength() {
            return body.contentLength();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            body.subscribe(new Flow.Subscriber<ByteBuffer>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscriber.onSubscribe(subscription);
                }

                @Override
                public void onNext(ByteBuffer item) {
                    subscriber.onNext(item);
                }

                @Override
                public void onError(Throwable error) {
                    subscriber.onError(error);
                    done.complete(null);
                }

                @Override
                public void onComplete() {
                    subscriber.onComplete();
                    done.complete(null);
                }
            });
        }
    }

    private void answered(HttpResponse<String> response, Throwable error) {
        synchronized (lock) {
            outstanding--;
            lastWritten.complete(null); // a request that failed before its body was taken
            if (loggingIn && response != null) {
                pollNeeded = outstanding == 0 && EMPTY.matcher(response.body()).matches();
            }
        }
        if (error != null || response.statusCode() != 200) {
            end(error != null ? "BOSH request failed: " + error : "BOSH HTTP " + response.statusCode());
            return;
        }
        inbound(response.body());
        if (TERMINATE.matcher(response.body()).find()) {
            end("BOSH session terminated by the server: " + response.body());
            return;
        }
        pump();
    }

    @Override
    protected void loggedIn() {
        synchronized (lock) {
            loggingIn = false;
        }
        pump();
    }

    private void end(String reason) {
        synchronized (lock) {
            if (ended) {
                return;
            }
            ended = true;
        }
        failed(reason);
    }

    @Override
    public void close() {
        String body;
        synchronized (lock) {
            if (ended || sid == null) {
                ended = true;
                return;
            }
            ended = true;
            rid++;
            body = "<body rid='" + rid + "' sid='" + sid + "' type='terminate' xmlns='" + HTTPBIND + "'>"
                    + "<presence xmlns='jabber:client' type='unavailable'/></body>";
        }
        try {
            http.send(request(body), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            // the session is gone either way
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
