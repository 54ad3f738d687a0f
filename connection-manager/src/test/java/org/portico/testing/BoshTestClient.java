package org.portico.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/**
 * A small BOSH client for end-to-end tests, speaking XEP-0124/0206 over plain HTTP the way browser libraries do:
 * {@link #raw} sends exactly the body a test wants (for rid and error cases); {@link #login} and {@link #startPolling}
 * behave like Strophe (SASL PLAIN, restart, bind, one request always held) and collect every stanza received.
 * {@link #scriptSyntax} makes a client of a legacy browser instead: every body goes as the query of a GET and comes
 * back as {@code _BOSH_("…")} (XEP-0252), unwrapped here so the same methods work.
 */
public final class BoshTestClient implements AutoCloseable {

    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final HttpClient http;
    /** Whether {@link #http} is this client's own, closed with it, or shared by many clients. */
    private final boolean ownHttp;
    private final URI endpoint;
    private final String domain;
    private final boolean script;
    /** The {@code wait} this client asks for at creation (XEP-0124 §7.1), in seconds. */
    private final int wait;
    private final AtomicLong rid = new AtomicLong(1_000_000 + (long) (Math.random() * 1_000_000_000L));
    private final BlockingQueue<XmlElement> received = new LinkedBlockingQueue<>();
    private final AtomicBoolean polling = new AtomicBoolean();
    private volatile String sid;
    private volatile String jid;
    private volatile XmlElement creation;
    private volatile XmlElement terminal;

    public BoshTestClient(URI endpoint, String domain) {
        this(endpoint, domain, false);
    }

    private BoshTestClient(URI endpoint, String domain, boolean script) {
        this(endpoint, domain, script, null, 30);
    }

    private BoshTestClient(URI endpoint, String domain, boolean script, HttpClient shared, int wait) {
        this.endpoint = endpoint;
        this.domain = domain;
        this.script = script;
        this.ownHttp = shared == null;
        this.http = shared != null ? shared : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.wait = wait;
    }

    /**
     * A client on a shared {@link HttpClient} (its connections are pooled and kept alive across requests, as a
     * browser's are), asking for {@code wait} seconds: for tests with many sessions.
     */
    public static BoshTestClient shared(URI endpoint, String domain, HttpClient http, int wait) {
        return new BoshTestClient(endpoint, domain, false, http, wait);
    }

    /** A client that speaks XEP-0252 script syntax: GET requests, {@code _BOSH_("…")} responses. */
    public static BoshTestClient scriptSyntax(URI endpoint, String domain) {
        return new BoshTestClient(endpoint, domain, true);
    }

    /** POSTs one body and returns the response body's parsed root, waiting up to {@code timeout}. */
    public XmlElement raw(String body, Duration timeout) throws Exception {
        return parse(rawAsync(body).get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** POSTs one body; the future completes with the response text (status 200 expected). */
    public CompletableFuture<String> rawAsync(String body) {
        if (script) {
            HttpRequest get = HttpRequest.newBuilder(scriptUri(endpoint, body)).timeout(Duration.ofSeconds(90))
                    .GET().build();
            return http.sendAsync(get, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                    .thenApply(response -> unwrapScript(response.body()));
        }
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(90))
                .header("Content-Type", "text/xml; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .thenApply(HttpResponse::body);
    }

    /** Sends an HTTP POST and returns the full response (status and headers), for HTTP-level tests. */
    public HttpResponse<String> post(String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(90))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** {@code endpoint?<body, URI-escaped>} (XEP-0252 §2.2): every octet but the unreserved ones escaped. */
    public static URI scriptUri(URI endpoint, String body) {
        StringBuilder query = new StringBuilder(body.length() * 2);
        for (byte b : body.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                query.append(c);
            } else {
                query.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return URI.create(endpoint + "?" + query);
    }

    /**
     * The body inside {@code _BOSH_("…")} (XEP-0252 §2.3), its ECMAScript escapes undone; anything else in the
     * response (a raw quote or line break, another wrapper) fails the test.
     */
    public static String unwrapScript(String script) {
        String prefix = "_BOSH_(\"";
        if (!script.startsWith(prefix) || !script.endsWith("\")")) {
            throw new AssertionError("not a script syntax response: " + script);
        }
        String literal = script.substring(prefix.length(), script.length() - 2);
        StringBuilder out = new StringBuilder(literal.length());
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (c == '"' || c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029') {
                throw new AssertionError("unescaped " + (int) c + " at " + i + " in " + script);
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char escape = literal.charAt(++i);
            switch (escape) {
                case '"', '\\' -> out.append(escape);
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 'u' -> {
                    out.append((char) Integer.parseInt(literal.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> throw new AssertionError("unexpected escape \\" + escape + " in " + script);
            }
        }
        return out.toString();
    }

    public static XmlElement parse(String text) throws Exception {
        return PARSER.parseDocument(text.getBytes(StandardCharsets.UTF_8));
    }

    public long nextRid() {
        return rid.incrementAndGet();
    }

    public long currentRid() {
        return rid.get();
    }

    public String sid() {
        return sid;
    }

    public String jid() {
        return jid;
    }

    /** The session creation response. */
    public XmlElement creation() {
        return creation;
    }

    /** Creates the session (wait, hold=1, acks as asked) and waits for stream features. */
    public XmlElement create(int wait, boolean acks) throws Exception {
        XmlElement body = raw("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'"
                + " rid='" + nextRid() + "' to='" + domain + "' xml:lang='en' wait='" + wait + "' hold='1'"
                + " ver='1.11' xmpp:version='1.0'" + (acks ? " ack='1'" : "") + "/>", Duration.ofSeconds(wait + 10));
        creation = body;
        sid = body.attribute("sid").orElseThrow(() -> new AssertionError("no sid in " + body));
        XmlElement features = body.child(Namespaces.STREAMS, "features").orElse(null);
        while (features == null) {
            XmlElement next = request("", "");
            features = next.child(Namespaces.STREAMS, "features").orElse(null);
        }
        return features;
    }

    /** One request in this session with the given extra attributes and payload, answered synchronously. */
    public XmlElement request(String attributes, String payload) throws Exception {
        return raw(body(nextRid(), attributes, payload), Duration.ofSeconds(wait + 60L));
    }

    /** A chat message to {@code to} with {@code text} as its body, as a request's payload. */
    public static String chat(String to, String text) {
        return "<message xmlns='jabber:client' type='chat' to='" + to + "'><body>" + text + "</body></message>";
    }

    /** The same with the stanza's {@code id}. */
    public static String chat(String to, String id, String text) {
        return "<message xmlns='jabber:client' type='chat' to='" + to + "' id='" + id + "'><body>" + text
                + "</body></message>";
    }

    public String body(long requestRid, String attributes, String payload) {
        return "<body xmlns='http://jabber.org/protocol/httpbind' sid='" + sid + "' rid='" + requestRid + "' "
                + attributes + ">" + payload + "</body>";
    }

    /** SASL PLAIN, restart (XEP-0206 §5), bind, with acks (§9); returns the bound JID. */
    public String login(String user, String password, String resource) throws Exception {
        return login(user, password, resource, true);
    }

    /**
     * As {@link #login(String, String, String)}, with or without acks: converse.js and Strophe use none, so a lost
     * response is never asked for again.
     */
    public String login(String user, String password, String resource, boolean acks) throws Exception {
        create(wait, acks);
        String auth = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password)
                .getBytes(StandardCharsets.UTF_8));
        XmlElement result = request("", "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                + auth + "</auth>");
        while (result.childElements().isEmpty()) {
            result = pollDuringLogin(result);
        }
        if (result.child(Namespaces.SASL, "success").isEmpty()) {
            throw new AssertionError("SASL failed: " + result);
        }
        XmlElement features = request("to='" + domain + "' xml:lang='en' xmpp:restart='true'"
                + " xmlns:xmpp='urn:xmpp:xbosh'", "");
        while (features.child(Namespaces.STREAMS, "features").isEmpty()) {
            features = pollDuringLogin(features);
        }
        XmlElement bound = request("", "<iq xmlns='jabber:client' type='set' id='bind1'><bind "
                + "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + resource + "</resource></bind></iq>");
        while (bound.childElements().isEmpty()) {
            bound = pollDuringLogin(bound);
        }
        jid = bound.childElements().get(0).child(Namespaces.BIND, "bind").orElseThrow()
                .child(Namespaces.BIND, "jid").orElseThrow().text();
        return jid;
    }

    /**
     * The next response while a login waits for its answer; a terminated session ends the login at once, rather
     * than polling a session that is gone until the test's time runs out.
     */
    private XmlElement pollDuringLogin(XmlElement last) throws Exception {
        if (terminates(last)) {
            throw new AssertionError("the session ended during the login: " + last);
        }
        return request("", "");
    }

    /** Keeps one request held at all times, like a browser client, and queues every stanza that comes back. */
    public void startPolling() {
        if (!polling.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("bosh-poll-" + sid).start(() -> {
            while (polling.get() && terminal == null) {
                try {
                    collect(raw(body(nextRid(), "", ""), Duration.ofSeconds(90)));
                } catch (Exception e) {
                    if (polling.get()) {
                        terminal = XmlElement.of(Namespaces.HTTPBIND, "failed").withAttribute("reason", e.toString());
                    }
                }
            }
        });
    }

    /**
     * Sends payloads on a new request; its response is collected too. With hold=1 the request is held until the
     * next request comes, so call {@link #startPolling} first for it to return at once.
     */
    public void send(String payload) throws Exception {
        collect(raw(body(nextRid(), "", payload), Duration.ofSeconds(90)));
    }

    /**
     * Sends payloads on a new request without waiting for its response, as browser clients do: its stanzas are
     * collected when it comes. The future completes then, or fails with the request.
     */
    public CompletableFuture<Void> sendAsync(String payload) {
        return rawAsync(body(nextRid(), "", payload)).thenAccept(text -> {
            try {
                collect(parse(text));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    private void collect(XmlElement body) {
        if (terminates(body)) {
            terminal = body;
        }
        received.addAll(body.childElements());
    }

    private static boolean terminates(XmlElement body) {
        return "terminate".equals(body.attribute("type").orElse(null));
    }

    /** The next stanza received, or null after the timeout. */
    public XmlElement next(Duration timeout) throws InterruptedException {
        return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next message with a body, skipping presence and other traffic; null after the timeout. */
    public XmlElement nextMessage(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            XmlElement element = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (element != null && element.is(Namespaces.JABBER_CLIENT, "message")
                    && element.child(Namespaces.JABBER_CLIENT, "body").isPresent()) {
                return element;
            }
        }
        return null;
    }

    /** The terminate body if the session ended. */
    public XmlElement terminal() {
        return terminal;
    }

    public void stopPolling() {
        polling.set(false);
    }

    @Override
    public void close() {
        polling.set(false);
        if (sid != null && terminal == null) {
            try {
                raw(body(nextRid(), "type='terminate'", "<presence xmlns='jabber:client' type='unavailable'/>"),
                        Duration.ofSeconds(10));
            } catch (Exception ignored) {
                // the session may already be gone; nothing to clean up then
            }
        }
        if (ownHttp) {
            http.close();
        }
    }
}
