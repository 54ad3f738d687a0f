package org.portico.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.xml.namespace.QName;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/**
 * An RFC 7395 client for end-to-end tests, on {@link java.net.http.WebSocket} with the {@code xmpp} subprotocol.
 * It behaves like a browser page that survives reloads: {@link #drop} loses the socket without {@code <close/>},
 * {@link #resume} reconnects with Portico's {@code urn:portico:resume:0} token (re-sending what Portico did not
 * get), and it can count and acknowledge stanzas for XEP-0198 ({@link #enableStreamManagement},
 * {@link #resumeStreamManagement}). Every message received is parsed and queued for the test.
 */
public final class WebSocketTestClient implements AutoCloseable {

    public static final String FRAMING = Namespaces.FRAMING;
    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final QName RESUME_TOKEN = new QName(Namespaces.PORTICO_RESUME, "token");
    private static final QName RESUME_H = new QName(Namespaces.PORTICO_RESUME, "h");
    private static final QName RESUMED = new QName(Namespaces.PORTICO_RESUME, "resumed");

    /** What arrived on the socket, in order: parsed messages, pings, the close. */
    public sealed interface Event permits Message, Ping, Closed {
    }

    public record Message(XmlElement element, String text) implements Event {
    }

    public record Ping() implements Event {
    }

    public record Closed(int status, String reason) implements Event {
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final ExecutorService acks = Executors.newSingleThreadExecutor();
    /** Where the next socket goes: another Portico's after {@link #reconnect(URI)}. */
    private volatile URI endpoint;
    private final String domain;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Messages received but passed over by {@link #next(Predicate)}, in order. */
    private final java.util.Deque<XmlElement> backlog = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final AtomicInteger pings = new AtomicInteger();
    private final AtomicInteger pongs = new AtomicInteger();
    /** Client messages other than open and close, for re-sending after a resumption. */
    private final List<String> sent = new ArrayList<>();
    private volatile WebSocket socket;
    /** Which socket is current: events of an earlier, dropped socket are ignored, as a reloaded page would. */
    private final AtomicInteger generation = new AtomicInteger();
    /**
     * Held while a socket's event is counted and queued, and while the generation changes: an event of the old
     * socket is either handled whole before a drop (counted in the XEP-0198 h and queued ahead of what the new
     * socket brings) or not at all, never counted before the drop and queued after the new socket's events.
     */
    private final Object delivery = new Object();
    private volatile boolean frozen;
    private volatile String token;
    /** Messages received other than open and close, in this session (Portico's resume:h). */
    private volatile long received;
    private volatile String smId;
    /** XEP-0198 inbound count: stanzas handled since enable or resume; -1 when not counting. */
    private volatile long smInbound = -1;
    private volatile long smResumeFrom;

    private WebSocketTestClient(URI endpoint, String domain) {
        this.endpoint = endpoint;
        this.domain = domain;
    }

    /** Opens a socket offering the {@code xmpp} subprotocol. */
    public static WebSocketTestClient connect(URI endpoint, String domain) throws Exception {
        return connect(endpoint, domain, Map.of());
    }

    /** Opens a socket offering the {@code xmpp} subprotocol, with extra handshake headers (as a proxy adds them). */
    public static WebSocketTestClient connect(URI endpoint, String domain, Map<String, String> headers)
            throws Exception {
        WebSocketTestClient client = new WebSocketTestClient(endpoint, domain);
        client.socket = client.handshake(headers, List.of("xmpp")).get(10, TimeUnit.SECONDS);
        return client;
    }

    /** Starts a handshake with the given headers and subprotocols; the future fails if the server refuses it. */
    public static CompletableFuture<WebSocket> handshake(URI endpoint, Map<String, String> headers,
            List<String> subprotocols) {
        return new WebSocketTestClient(endpoint, "unused").handshake(headers, subprotocols);
    }

    private CompletableFuture<WebSocket> handshake(Map<String, String> headers, List<String> subprotocols) {
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(TIMEOUT);
        headers.forEach(builder::header);
        if (!subprotocols.isEmpty()) {
            builder.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size())
                    .toArray(String[]::new));
        }
        return builder.buildAsync(endpoint, new Listener(nextGeneration()));
    }

    public String subprotocol() {
        return socket.getSubprotocol();
    }

    // --- sending ---

    /** Sends one text message and waits until it is written. */
    public synchronized void send(String frame) {
        boolean framing = frame.contains(FRAMING);
        if (!framing) {
            sent.add(frame);
        }
        socket.sendText(frame, true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /**
     * Sends a WebSocket ping (RFC 6455 §5.5.2), as some clients do to keep their connection alive, and waits until it
     * is written.
     */
    public synchronized void sendPing() {
        socket.sendPing(ByteBuffer.allocate(0)).orTimeout(10, TimeUnit.SECONDS).join();
    }

    public synchronized void sendBinary(byte[] data) {
        socket.sendBinary(ByteBuffer.wrap(data), true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /**
     * Sends one text message (ASCII: cut between any two characters) in {@code fragments} WebSocket frames
     * (RFC 6455 §5.4), and waits until each is written.
     */
    public synchronized void sendInFragments(String frame, int fragments) {
        int step = Math.max(1, (frame.length() + fragments - 1) / fragments);
        for (int start = 0; start < frame.length(); start += step) {
            int end = Math.min(frame.length(), start + step);
            socket.sendText(frame.substring(start, end), end == frame.length()).orTimeout(10, TimeUnit.SECONDS)
                    .join();
        }
    }

    /** The {@code <open/>} that opens this client's stream. */
    public String openFrame() {
        return "<open xmlns='" + FRAMING + "' to='" + domain + "' version='1.0'/>";
    }

    public void open() {
        send(openFrame());
    }

    // --- receiving ---

    /** The next event, or null after the timeout. */
    public Event nextEvent(Duration timeout) throws InterruptedException {
        return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next message (skipping pings), or an AssertionError naming what came instead. */
    public XmlElement next() throws InterruptedException {
        XmlElement kept = backlog.poll();
        return kept != null ? kept : receive();
    }

    private XmlElement receive() throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            Event event = nextEvent(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (event == null) {
                throw new AssertionError("nothing received within " + TIMEOUT);
            }
            switch (event) {
                case Message message -> {
                    return message.element();
                }
                case Closed closed -> throw new AssertionError("socket closed: " + closed);
                case Ping ping -> {
                    // pings are counted, not returned
                }
            }
        }
    }

    /**
     * The next message that matches; the others stay, in order, for later calls (as an application would still
     * handle them), so nothing received is ever skipped.
     */
    public XmlElement next(Predicate<XmlElement> wanted) throws InterruptedException {
        for (var it = backlog.iterator(); it.hasNext(); ) {
            XmlElement kept = it.next();
            if (wanted.test(kept)) {
                it.remove();
                return kept;
            }
        }
        while (true) {
            XmlElement element = receive();
            if (wanted.test(element)) {
                return element;
            }
            backlog.add(element);
        }
    }

    public XmlElement nextMessage() throws InterruptedException {
        return next(e -> e.is(Namespaces.JABBER_CLIENT, "message")
                && e.child(Namespaces.JABBER_CLIENT, "body").isPresent());
    }

    /** The text of the next message's body. */
    public String nextMessageBody() throws InterruptedException {
        return nextMessage().child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text();
    }

    /** Waits for the socket to close and returns how. */
    public Closed awaitClosed() throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Event event = nextEvent(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (event instanceof Closed closed) {
                return closed;
            }
        }
        throw new AssertionError("the socket did not close within " + TIMEOUT);
    }

    public int pings() {
        return pings.get();
    }

    /** Pongs received, the answers to {@link #sendPing()}. */
    public int pongs() {
        return pongs.get();
    }

    // --- XMPP ---

    /** Opens the stream and returns the features after the server's {@code <open/>}. */
    public XmlElement openStream() throws InterruptedException {
        open();
        XmlElement open = next(e -> FRAMING.equals(e.namespace()));
        if (!open.is(FRAMING, "open")) {
            throw new AssertionError("expected <open/>, got " + open);
        }
        token = open.attribute(RESUME_TOKEN).orElse(null);
        return next(e -> e.is(Namespaces.STREAMS, "features"));
    }

    /** SASL PLAIN, restart with a new {@code <open/>} (RFC 7395 §3.7), bind; returns the bound JID. */
    public String login(String user, String password, String resource) throws InterruptedException {
        openStream();
        send("<auth xmlns='" + Namespaces.SASL + "' mechanism='PLAIN'>" + plain(user, password) + "</auth>");
        XmlElement result = next(e -> Namespaces.SASL.equals(e.namespace()));
        if (!result.is(Namespaces.SASL, "success")) {
            throw new AssertionError("SASL failed: " + result);
        }
        openStream();
        send("<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='" + Namespaces.BIND + "'><resource>"
                + resource + "</resource></bind></iq>");
        XmlElement bound = next(e -> e.is(Namespaces.JABBER_CLIENT, "iq"));
        return bound.child(Namespaces.BIND, "bind").orElseThrow(() -> new AssertionError("bind failed: " + bound))
                .child(Namespaces.BIND, "jid").orElseThrow().text();
    }

    public static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Sends initial presence and waits for its reflection. */
    public void available() throws InterruptedException {
        send("<presence xmlns='jabber:client'/>");
        next(e -> e.is(Namespaces.JABBER_CLIENT, "presence"));
    }

    public void chat(String to, String id, String text) {
        send("<message xmlns='jabber:client' type='chat' to='" + to + "' id='" + id + "'><body>" + text
                + "</body></message>");
    }

    /** XEP-0198 with resumption; from now on stanzas are counted and every {@code <r/>} answered. */
    public void enableStreamManagement() throws InterruptedException {
        send("<enable xmlns='" + Namespaces.SM + "' resume='true'/>");
        XmlElement enabled = next(e -> e.is(Namespaces.SM, "enabled"));
        smId = enabled.attribute("id").orElseThrow(() -> new AssertionError("no resumption: " + enabled));
    }

    public String streamManagementId() {
        return smId;
    }

    public long streamManagementInbound() {
        return smInbound;
    }

    /**
     * Answers the server's {@code <r/>} (XEP-0198 §4) on the socket that carried it, as a page would. After a
     * reload the answer must not go out on the next page's socket: there it would reach the new stream before
     * authentication, and Prosody closes such a stream ({@code unsupported-stanza-type}). The page that was asked
     * is gone; its count reaches the server with {@code <resume/>} instead.
     */
    private synchronized void acknowledge(WebSocket askedOn, long h) {
        if (askedOn != socket) {
            return;
        }
        try {
            send("<a xmlns='" + Namespaces.SM + "' h='" + h + "'/>");
        } catch (RuntimeException e) {
            // the socket went away meanwhile: the count is sent again with the next <a/> or <resume/>
        }
    }

    // --- reloads ---

    /** The page goes away: the socket is dropped without {@code <close/>} and nothing more is read from it. */
    public void drop() {
        nextGeneration();
        socket.abort();
    }

    /** Makes every socket so far a past one, once the event it may be delivering is handled. */
    private int nextGeneration() {
        synchronized (delivery) {
            return generation.incrementAndGet();
        }
    }

    /** The client stops reading (no pongs either), as a frozen or vanished peer would. */
    public void freeze() {
        frozen = true;
    }

    public String token() {
        return token;
    }

    public long receivedCount() {
        return received;
    }

    /**
     * A new socket presenting the resume token and count; on success re-sends what Portico had not received.
     *
     * @return the server's {@code <open/>}: with {@code resume:resumed='true'} when the session continued
     */
    public XmlElement resume() throws Exception {
        replaceSocket();
        socket.sendText("<open xmlns='" + FRAMING + "' to='" + domain + "' version='1.0' xmlns:resume='"
                + Namespaces.PORTICO_RESUME + "' resume:token='" + token + "' resume:h='" + received + "'/>", true)
                .get(10, TimeUnit.SECONDS);
        XmlElement open = next(e -> FRAMING.equals(e.namespace()));
        if (!open.is(FRAMING, "open")) {
            throw new AssertionError("expected <open/>, got " + open);
        }
        token = open.attribute(RESUME_TOKEN).orElse(null);
        if ("true".equals(open.attribute(RESUMED).orElse(null))) {
            int serverGot = Integer.parseInt(open.attribute(RESUME_H).orElseThrow());
            List<String> again;
            synchronized (this) {
                again = new ArrayList<>(sent.subList(serverGot, sent.size()));
                sent.subList(serverGot, sent.size()).clear();
            }
            again.forEach(this::send);
        }
        return open;
    }

    /** The reloaded page's socket; under the lock, so an acknowledgement in flight sees the old one or none. */
    private void replaceSocket() throws Exception {
        WebSocket next = handshake(Map.of(), List.of("xmpp")).get(10, TimeUnit.SECONDS);
        synchronized (this) {
            socket = next;
        }
    }

    /**
     * As {@link #reconnect()}, at another Portico: where a {@code <close see-other-uri/>} sent the client (RFC 7395
     * §3.6.1).
     */
    public void reconnect(URI elsewhere) throws Exception {
        endpoint = elsewhere;
        reconnect();
    }

    /** A new socket and a new stream, in which the caller logs in again and resumes with XEP-0198. */
    public void reconnect() throws Exception {
        replaceSocket();
        synchronized (this) {
            sent.clear();
        }
        received = 0;
    }

    /**
     * XEP-0198 §5 on a new stream: SASL PLAIN, restart, {@code <resume/>}; stanzas the server had not seen
     * acknowledged are re-sent by it. Returns the {@code <resumed/>} or {@code <failed/>}.
     */
    public XmlElement resumeStreamManagement(String user, String password) throws InterruptedException {
        long h = smInbound;
        smResumeFrom = h;
        smInbound = -1;
        openStream();
        send("<auth xmlns='" + Namespaces.SASL + "' mechanism='PLAIN'>" + plain(user, password) + "</auth>");
        XmlElement result = next(e -> Namespaces.SASL.equals(e.namespace()));
        if (!result.is(Namespaces.SASL, "success")) {
            throw new AssertionError("SASL failed: " + result);
        }
        openStream();
        send("<resume xmlns='" + Namespaces.SM + "' h='" + h + "' previd='" + smId + "'/>");
        return next(e -> Namespaces.SM.equals(e.namespace())
                && ("resumed".equals(e.localName()) || "failed".equals(e.localName())));
    }

    /** Sends {@code <close/>} and waits for the server's. */
    public XmlElement closeStream() throws InterruptedException {
        send("<close xmlns='" + FRAMING + "'/>");
        return next(e -> e.is(FRAMING, "close"));
    }

    /**
     * Leaves like a well-behaved page: acknowledges what it got (XEP-0198, else the server would store it offline
     * as unacknowledged and hand it to this account's next session) and closes the stream, then the socket.
     */
    @Override
    public void close() {
        WebSocket current = socket;
        if (current != null && !current.isOutputClosed()) {
            try {
                if (smInbound >= 0) {
                    send("<a xmlns='" + Namespaces.SM + "' h='" + smInbound + "'/>");
                }
                send("<close xmlns='" + FRAMING + "'/>");
                current.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the socket is already gone: nothing left to close politely
            }
            current.abort();
        }
        acks.shutdownNow();
        http.close();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private final int of;

        Listener(int of) {
            this.of = of;
        }

        private boolean current() {
            return of == generation.get();
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                received(webSocket, text);
            }
            demand(webSocket);
            return null;
        }

        private void received(WebSocket webSocket, String text) {
            synchronized (delivery) {
                if (current()) {
                    handle(webSocket, text);
                }
            }
        }

        private void handle(WebSocket webSocket, String text) {
            XmlElement element;
            try {
                element = PARSER.parseDocument(text.getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
                element = XmlElement.of("urn:test:unparseable", "unparseable").withAttribute("text", text);
            }
            if (!FRAMING.equals(element.namespace())) {
                received++;
            }
            if (smInbound >= 0 && Namespaces.JABBER_CLIENT.equals(element.namespace())) {
                smInbound++;
            } else if (element.is(Namespaces.SM, "enabled")) {
                smInbound = 0;
            } else if (element.is(Namespaces.SM, "resumed")) {
                smInbound = smResumeFrom;
            }
            if (element.is(Namespaces.SM, "r") && smInbound >= 0) {
                long h = smInbound;
                acks.execute(() -> acknowledge(webSocket, h));
            }
            events.add(new Message(element, text));
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            if (current()) {
                pings.incrementAndGet();
                events.add(new Ping());
            }
            demand(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            if (current()) {
                pongs.incrementAndGet();
            }
            demand(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            if (current()) {
                events.add(new Closed(statusCode, reason));
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            if (current()) {
                events.add(new Closed(-1, error.toString()));
            }
        }

        private void demand(WebSocket webSocket) {
            if (!frozen) {
                webSocket.request(1);
            }
        }
    }
}
