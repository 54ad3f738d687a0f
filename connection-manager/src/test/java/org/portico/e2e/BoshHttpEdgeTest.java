package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.portico.testing.BoshTestClient.chat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.portico.http.HttpConfig;
import org.portico.server.PorticoConfig;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.LogCapture;
import org.portico.testing.PorticoHarness;
import org.portico.testing.RawHttp;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;

/**
 * The HTTP edge of BOSH against a real Portico in front of the real Prosody (issue 2): hostile and oversized bodies,
 * compressed requests and responses, CORS, host-meta discovery, the session's {@code content} type, charsets, and
 * XEP-0252 script syntax. Every bad request gets the spec's answer and one log line, and nobody else notices.
 */
class BoshHttpEdgeTest {

    private static final Duration SHORT = Duration.ofSeconds(10);
    private static final String HTTPBIND = "xmlns='http://jabber.org/protocol/httpbind'";
    private static final String ALLOWED_ORIGIN = "http://allowed.example";

    private static PorticoHarness portico;
    private static LogCapture logs;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(SHORT).build();

    @BeforeAll
    static void start() throws Exception {
        logs = LogCapture.start();
        portico = PorticoHarness.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (portico != null) {
            portico.close();
        }
        if (logs != null) {
            logs.close();
        }
    }

    // --- hostile bodies (issue 2 "bad input"; XEP-0124 §17.2, R6, R8) ---

    static Stream<Arguments> hostileBodies() {
        String laughs = "<!DOCTYPE body [<!ENTITY l 'lol'><!ENTITY l1 '&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;'>"
                + "<!ENTITY l2 '&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;'><!ENTITY l3 '&l2;&l2;&l2;&l2;&l2;&l2;"
                + "&l2;&l2;&l2;&l2;'><!ENTITY l4 '&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;'><!ENTITY l5 '&l4;&l4;"
                + "&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;'><!ENTITY l6 '&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;'>]>"
                + "<body " + HTTPBIND + " rid='1' to='localhost'><m>&l6;</m></body>";
        StringBuilder attributes = new StringBuilder();
        for (int i = 0; i < XmlLimits.DEFAULT.maxAttributes() + 1; i++) {
            attributes.append(" a").append(i).append("='x'");
        }
        int depth = XmlLimits.DEFAULT.maxDepth() + 1;
        return Stream.of(
                hostile("not XML at all", "hello"),
                hostile("an empty request", ""),
                hostile("a truncated body", "<body " + HTTPBIND + " rid='1' to='localhost'>"),
                hostile("a DTD", "<!DOCTYPE body [<!ELEMENT body ANY>]><body " + HTTPBIND + " rid='1'/>"),
                hostile("an entity bomb", laughs),
                hostile("an external entity (XXE)", "<!DOCTYPE body [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                        + "<body " + HTTPBIND + " rid='1' to='&x;'/>"),
                hostile("an undeclared entity", "<body " + HTTPBIND + " rid='1' to='&x;'/>"),
                hostile("a comment", "<body " + HTTPBIND + " rid='1'><!-- x --></body>"),
                hostile("a processing instruction", "<body " + HTTPBIND + " rid='1'><?x y?></body>"),
                hostile("two bodies", "<body " + HTTPBIND + " rid='1'/><body " + HTTPBIND + " rid='2'/>"),
                hostile("nesting deeper than xml.maxDepth", "<body " + HTTPBIND + " rid='1'>"
                        + "<a>".repeat(depth) + "</a>".repeat(depth) + "</body>"),
                hostile("more attributes than xml.maxAttributes", "<body " + HTTPBIND + " rid='1'" + attributes
                        + "/>"),
                hostile("invalid UTF-8", new byte[] {'<', 'b', 'o', 'd', 'y', (byte) 0xFF, '/', '>'}),
                hostile("a root that is not a body", "<message xmlns='jabber:client'/>"),
                hostile("a body outside the httpbind namespace", "<body xmlns='urn:other' rid='1'/>"),
                hostile("a body without rid (R8)", "<body " + HTTPBIND + " to='localhost' ver='1.11'/>"),
                hostile("a rid that is not a number", "<body " + HTTPBIND + " rid='one' to='localhost'/>"),
                hostile("a negative rid", "<body " + HTTPBIND + " rid='-5' to='localhost'/>"),
                hostile("a rid above 2^53-1 (R39)", "<body " + HTTPBIND + " rid='9007199254740992' to='localhost'/>"),
                hostile("a malformed ver", "<body " + HTTPBIND + " rid='1' to='localhost' ver='x.y'/>"),
                hostile("a rid forging a second log line", "<body " + HTTPBIND + " rid='1&#10;12:00:00.000 INFO "
                        + "[main] o.p.b.BoshSessions forged' to='localhost'/>"),
                hostile("a ver forging a second log line", "<body " + HTTPBIND + " rid='1' to='localhost' "
                        + "ver='1&#13;&#10;forged'/>"),
                hostile("a rid of 100 000 digits", "<body " + HTTPBIND + " rid='" + "9".repeat(100_000) + "'/>"),
                // found by fuzzing (docs/reliability.md): neither may reach a stream in Portico's hands
                hostile("XML 1.1 with a control character", "<?xml version='1.1'?><body " + HTTPBIND + " rid='1' "
                        + "to='localhost'><m>&#1;</m></body>"),
                hostile("U+FFFF in UTF-16", ("\uFEFF<body " + HTTPBIND + " rid='1' to='localhost'><m>\uFFFF</m>"
                        + "</body>").getBytes(StandardCharsets.UTF_16BE)));
    }

    private static Arguments hostile(String name, String body) {
        return hostile(name, body.getBytes(StandardCharsets.UTF_8));
    }

    private static Arguments hostile(String name, byte[] body) {
        return Arguments.of(name, body);
    }

    @ParameterizedTest(name = "{0}: terminal bad-request in HTTP 200, one log line")
    @MethodSource("hostileBodies")
    void aHostileBodyGetsATerminalBadRequestAndOneLogLine(String name, byte[] body) throws Exception {
        logs.clear();
        HttpResponse<byte[]> response = post(body);

        assertTerminal(response, "bad-request");
        assertOneRejectionLogged("bad-request");
    }

    @Test
    void aBarrageOfHostileBodiesLeavesLiveSessionsWorkingAndTheProcessUp() throws Exception {
        try (BoshTestClient alice = portico.boshClient(); BoshTestClient bob = portico.boshClient()) {
            String aliceJid = alice.login("test1", LocalProsody.password("test1"), "barrage");
            String bobJid = bob.login("test2", LocalProsody.password("test2"), "barrage");
            alice.startPolling();
            bob.startPolling();
            List<byte[]> barrage = new ArrayList<>();
            hostileBodies().forEach(row -> barrage.add((byte[]) row.get()[1]));
            // aimed at a live session: its sid, but no rid (R8) or unparseable; the session must not notice
            barrage.add(("<body " + HTTPBIND + " sid='" + alice.sid() + "'/>").getBytes(StandardCharsets.UTF_8));
            barrage.add(("<body " + HTTPBIND + " sid='" + alice.sid() + "' rid='" + (alice.currentRid() + 1)
                    + "'><!-- x --></body>").getBytes(StandardCharsets.UTF_8));
            barrage.add(("<body " + HTTPBIND + " sid='" + bob.sid() + "' rid='" + (bob.currentRid() + 1)
                    + "'><message xmlns='jabber:client'>").getBytes(StandardCharsets.UTF_8));

            logs.clear();
            List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
            for (byte[] body : barrage) {
                answers.add(postAsync(body));
            }
            for (CompletableFuture<HttpResponse<byte[]>> answer : answers) {
                assertTerminal(answer.get(SHORT.toSeconds(), TimeUnit.SECONDS), "bad-request");
            }
            assertEquals(barrage.size(), logs.lines(LogCapture.infoOrAbove("org.portico.bosh")).size(),
                    "one line per bad request: " + logs.lines(LogCapture.infoOrAbove("org.portico")));
            assertEquals(List.of(), logs.lines(LogCapture.warnings()));

            alice.send(chat(bobJid, "after-barrage", "still here"));
            XmlElement atBob = bob.nextMessage(SHORT);
            bob.send(chat(aliceJid, "reply", "me too"));
            XmlElement atAlice = alice.nextMessage(SHORT);
            assertNotNull(atBob, "bob's session survived");
            assertNotNull(atAlice, "alice's session survived");
            assertEquals("still here", atBob.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
            assertEquals("me too", atAlice.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
            assertNull(alice.terminal(), "alice was not terminated");
            assertNull(bob.terminal(), "bob was not terminated");
        }
        try (BoshTestClient carol = portico.boshClient()) {
            assertTrue(carol.login("test3", LocalProsody.password("test3"), "after").startsWith("test3@"),
                    "a new session can still be created and logged in");
        }
    }

    // --- request size (xml.maxBytes) and encodings (R17) ---

    @Test
    void aBodyOverXmlMaxBytesAnnouncedByContentLengthIsBadRequest() throws Exception {
        byte[] body = oversizedBody();
        logs.clear();

        HttpResponse<byte[]> response = send(request().POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertTerminal(response, "bad-request");
        String line = assertOneRejectionLogged("bad-request");
        assertTrue(line.contains("Content-Length"), "refused before reading: " + line);
        assertClosesTheConnection(response);
    }

    @Test
    void aChunkedBodyOverXmlMaxBytesIsBadRequestOnceTheLimitIsCrossed() throws Exception {
        byte[] body = oversizedBody();
        logs.clear();

        HttpResponse<byte[]> response = send(request().POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(body))));

        assertTerminal(response, "bad-request");
        String line = assertOneRejectionLogged("bad-request");
        assertTrue(line.contains("body above " + XmlLimits.DEFAULT.maxBytes()), "counted while reading: " + line);
        assertClosesTheConnection(response);
    }

    /** The unread rest of the body makes the connection unusable; the client must not send on it again. */
    private static void assertClosesTheConnection(HttpResponse<byte[]> response) {
        assertEquals("close", response.headers().firstValue("Connection").orElse(null), response.headers().toString());
    }

    /** A well-formed body, only too large: one {@code <data/>} above the configured {@code xml.maxBytes}. */
    private static byte[] oversizedBody() {
        return ("<body " + HTTPBIND + " rid='1' to='localhost'><data>" + "A".repeat(XmlLimits.DEFAULT.maxBytes())
                + "</data></body>").getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "a creation request sent with Content-Encoding: {0} is decoded (R17)")
    @ValueSource(strings = {"gzip", "deflate"})
    void aCompressedRequestBodyIsDecoded_R17(String encoding) throws Exception {
        String creation = "<body " + HTTPBIND + " rid='100' to='" + LocalProsody.DOMAIN + "' wait='10' hold='1'"
                + " ver='1.11'/>";
        byte[] compressed = encoding.equals("gzip") ? gzip(creation.getBytes(StandardCharsets.UTF_8))
                : deflate(creation.getBytes(StandardCharsets.UTF_8));

        HttpResponse<byte[]> response = send(request().header("Content-Encoding", encoding)
                .POST(HttpRequest.BodyPublishers.ofByteArray(compressed)));

        XmlElement body = parse(response);
        String sid = body.attribute("sid").orElseThrow(() -> new AssertionError("no session: " + body));
        assertEquals("gzip,deflate", body.attribute("accept").orElse(null), "the encodings are advertised (R17)");
        XmlElement ended = parse(post(("<body " + HTTPBIND + " sid='" + sid + "' rid='101' type='terminate'/>")
                .getBytes(StandardCharsets.UTF_8)));
        assertEquals("terminate", ended.attribute("type").orElse(null));
    }

    @Test
    void aGzipBombIsRefusedAsSoonAsItsDecodedSizeCrossesXmlMaxBytes() throws Exception {
        int inflated = 64 * 1024 * 1024;
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(("<body " + HTTPBIND + " rid='1' to='localhost'><data>").getBytes(StandardCharsets.UTF_8));
            byte[] zeros = new byte[1024 * 1024];
            Arrays.fill(zeros, (byte) 'A');
            for (int i = 0; i < inflated / zeros.length; i++) {
                gzip.write(zeros);
            }
        }
        assertTrue(compressed.size() < XmlLimits.DEFAULT.maxBytes(), "precondition: the bomb is small on the wire");
        logs.clear();

        HttpResponse<byte[]> response = send(request().header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(compressed.toByteArray())));

        assertTerminal(response, "bad-request");
        String line = assertOneRejectionLogged("bad-request");
        assertTrue(line.contains(String.valueOf(XmlLimits.DEFAULT.maxBytes())), "stopped at the limit: " + line);
        assertClosesTheConnection(response);
    }

    /**
     * RFC 9112 §9.6: a server that closes with unread input makes the client's next segment draw a TCP reset, and a
     * client still uploading then fails its write without reading the answer. So Portico reads on after answering a
     * refused body: this client sends the rest of a gzip bomb only after the answer arrived, and the connection then
     * ends in an orderly close, not a reset.
     */
    @Test
    void aRefusedBodyIsReadToItsEndSoAClientStillSendingGetsItsAnswer() throws Exception {
        byte[] bomb = gzip(("<body " + HTTPBIND + " rid='1' to='localhost'><data>"
                + "A".repeat(64 * XmlLimits.DEFAULT.maxBytes()) + "</data></body>").getBytes(StandardCharsets.UTF_8));
        int first = 2048;
        assertTrue(bomb.length > 4 * first, "precondition: most of the bomb is still to send: " + bomb.length);
        try (Socket socket = new Socket(portico.boshUri().getHost(), portico.boshUri().getPort())) {
            socket.setSoTimeout((int) SHORT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + portico.boshUri().getPath() + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: text/xml; charset=utf-8\r\nContent-Encoding: gzip\r\nContent-Length: "
                    + bomb.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bomb, 0, first);
            out.flush();
            InputStream in = socket.getInputStream();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200") && head.contains("Connection: close"), head);

            for (int at = first; at < bomb.length; at += 1024) {
                out.write(bomb, at, Math.min(1024, bomb.length - at));
                out.flush();
            }
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.contains("bad-request"), answer);
        }
    }

    static Stream<Arguments> undecodableBodies() throws IOException {
        byte[] creation = ("<body " + HTTPBIND + " rid='1' to='localhost' ver='1.11'/>")
                .getBytes(StandardCharsets.UTF_8);
        byte[] gzipped = gzip(creation);
        return Stream.of(
                Arguments.of("gzip", "bytes that are not gzip", creation),
                Arguments.of("gzip", "a truncated gzip stream", Arrays.copyOf(gzipped, gzipped.length / 2)),
                Arguments.of("deflate", "bytes that are not zlib", creation),
                Arguments.of("br", "an encoding that was not advertised", gzipped));
    }

    @ParameterizedTest(name = "Content-Encoding: {0} with {1} is a terminal bad-request")
    @MethodSource("undecodableBodies")
    void anUndecodableRequestBodyIsBadRequest(String encoding, String what, byte[] body) throws Exception {
        logs.clear();

        HttpResponse<byte[]> response = send(request().header("Content-Encoding", encoding)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertTerminal(response, "bad-request");
        assertOneRejectionLogged("bad-request");
    }

    @Test
    void responsesAreGzippedWhenTheClientAcceptsIt_R4() throws Exception {
        try (PorticoHarness compressing = PorticoHarness.start(
                config -> config.withHttp(config.http().toBuilder().gzipMinBytes(0).build()))) {
            HttpResponse<byte[]> response = send(HttpRequest.newBuilder(compressing.boshUri()).timeout(SHORT)
                    .header("Content-Type", "text/xml; charset=utf-8").header("Accept-Encoding", "gzip")
                    .POST(HttpRequest.BodyPublishers.ofString("<body " + HTTPBIND + " rid='200' to='"
                            + LocalProsody.DOMAIN + "' wait='10' hold='1' ver='1.11'/>")));

            assertEquals(200, response.statusCode());
            assertEquals("gzip", response.headers().firstValue("Content-Encoding").orElse(null));
            assertTrue(response.headers().firstValue("Vary").orElse("").contains("Accept-Encoding"),
                    response.headers().map().toString());
            assertTrue(response.headers().firstValue("Content-Length").isPresent(), "not chunked (R3)");
            XmlElement body = BoshTestClient.parse(new String(gunzip(response.body()), StandardCharsets.UTF_8));
            String sid = body.attribute("sid").orElseThrow();
            assertTrue(body.child(Namespaces.STREAMS, "features").isPresent(), "the features came with it: " + body);

            HttpResponse<byte[]> plain = send(HttpRequest.newBuilder(compressing.boshUri()).timeout(SHORT)
                    .header("Content-Type", "text/xml; charset=utf-8").POST(HttpRequest.BodyPublishers.ofString(
                            "<body " + HTTPBIND + " sid='" + sid + "' rid='201' type='terminate'/>")));
            assertTrue(plain.headers().firstValue("Content-Encoding").isEmpty(), "not compressed unless accepted");
            assertEquals("terminate", parse(plain).attribute("type").orElse(null));
        }
    }

    /** http.gzipMinBytes: compressing a small answer costs more CPU than the bytes it saves (docs/benchmarks.md). */
    @Test
    void answersSmallerThanTheGzipThresholdAreSentAsTheyAreThoughGzipIsAccepted() throws Exception {
        HttpResponse<byte[]> response = send(request().header("Accept-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString("<body " + HTTPBIND + " rid='300' to='"
                        + LocalProsody.DOMAIN + "' wait='10' hold='1' ver='1.11'/>")));

        assertEquals(200, response.statusCode());
        assertTrue(response.body().length < HttpConfig.DEFAULT.gzipMinBytes(), "a small answer: "
                + response.body().length + " bytes");
        assertTrue(response.headers().firstValue("Content-Encoding").isEmpty(), response.headers().map().toString());
        String sid = parse(response).attribute("sid").orElseThrow();
        post(("<body " + HTTPBIND + " sid='" + sid + "' rid='301' type='terminate'/>")
                .getBytes(StandardCharsets.UTF_8));
    }

    // --- CORS (issue 2 "configurable origin allow-list"; R71) ---

    @Test
    void aPreflightFromAnAllowedOriginIsAnsweredForPost() throws Exception {
        HttpResponse<byte[]> preflight = send(HttpRequest.newBuilder(portico.boshUri()).timeout(SHORT)
                .header("Origin", ALLOWED_ORIGIN).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        assertTrue(preflight.statusCode() == 200 || preflight.statusCode() == 204, "status " + preflight.statusCode());
        assertEquals(ALLOWED_ORIGIN, preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        String methods = preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("");
        assertTrue(methods.contains("POST"), methods);
        String headers = preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase();
        assertTrue(headers.contains("content-type"), headers);
    }

    @Test
    void aPreflightFromAnotherOriginGetsNoCorsHeaders() throws Exception {
        HttpResponse<byte[]> preflight = send(HttpRequest.newBuilder(portico.boshUri()).timeout(SHORT)
                .header("Origin", "http://evil.example").header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Origin").isEmpty(),
                preflight.headers().toString());
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Methods").isEmpty());
    }

    @Test
    void aPostFromAnAllowedOriginCarriesItsOriginBack() throws Exception {
        HttpResponse<byte[]> response = send(request().header("Origin", ALLOWED_ORIGIN)
                .POST(HttpRequest.BodyPublishers.ofString(unknownSidBody())));

        assertEquals(ALLOWED_ORIGIN, response.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertTrue(response.headers().allValues("Vary").stream().anyMatch(v -> v.contains("Origin")),
                "caches keep answers per origin: " + response.headers());
        assertTerminal(response, "item-not-found");
    }

    @Test
    void aPostFromAnotherOriginIsAnsweredWithoutCorsHeadersSoTheBrowserHidesIt() throws Exception {
        HttpResponse<byte[]> response = send(request().header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString(unknownSidBody())));

        assertTrue(response.headers().firstValue("Access-Control-Allow-Origin").isEmpty(),
                response.headers().toString());
    }

    @Test
    void withoutAnAllowListNoOriginGetsCorsHeaders() throws Exception {
        try (PorticoHarness closed = PorticoHarness.start(config -> withHttp(config, List.of(), ""))) {
            HttpResponse<byte[]> response = send(HttpRequest.newBuilder(closed.boshUri()).timeout(SHORT)
                    .header("Origin", ALLOWED_ORIGIN).POST(HttpRequest.BodyPublishers.ofString(unknownSidBody())));

            assertTrue(response.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        }
    }

    @Test
    void aWildcardAllowListAcceptsAnyOrigin() throws Exception {
        try (PorticoHarness open = PorticoHarness.start(config -> withHttp(config, List.of("*"), ""))) {
            HttpResponse<byte[]> response = send(HttpRequest.newBuilder(open.boshUri()).timeout(SHORT)
                    .header("Origin", "https://anywhere.example")
                    .POST(HttpRequest.BodyPublishers.ofString(unknownSidBody())));

            assertEquals("https://anywhere.example",
                    response.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        }
    }

    // --- XEP-0156 host-meta (R71, R97) ---

    @Test
    void hostMetaAdvertisesTheBoshEndpointAsXrdToAnyOrigin_XEP0156() throws Exception {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(portico.uri("/.well-known/host-meta"))
                .timeout(SHORT).header("Origin", "http://evil.example").GET());

        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/xrd+xml"));
        assertEquals("*", response.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        XmlElement xrd = BoshTestClient.parse(new String(response.body(), StandardCharsets.UTF_8));
        assertTrue(xrd.is(Namespaces.XRD, "XRD"), xrd.toString());
        XmlElement link = xrd.childElements().stream()
                .filter(l -> "urn:xmpp:alt-connections:xbosh".equals(l.attribute("rel").orElse(null)))
                .findFirst().orElseThrow(() -> new AssertionError("no xbosh link in " + xrd));
        assertEquals(portico.boshUri().toString(), link.attribute("href").orElse(null));
    }

    @Test
    void hostMetaJsonAdvertisesTheBoshEndpointToAnyOrigin_XEP0156() throws Exception {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(portico.uri("/.well-known/host-meta.json"))
                .timeout(SHORT).header("Origin", ALLOWED_ORIGIN).GET());

        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertEquals("*", response.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        String json = new String(response.body(), StandardCharsets.UTF_8);
        assertTrue(json.contains("{\"rel\":\"urn:xmpp:alt-connections:xbosh\",\"href\":\"" + portico.boshUri()
                + "\"}"), json);
    }

    @Test
    void hostMetaUsesTheConfiguredPublicUrlBehindAProxy() throws Exception {
        try (PorticoHarness proxied = PorticoHarness.start(config -> withHttp(config,
                config.http().allowedOrigins(), "https://chat.example.org/xmpp/"))) {
            HttpResponse<byte[]> response = send(HttpRequest.newBuilder(proxied.uri("/.well-known/host-meta.json"))
                    .timeout(SHORT).GET());

            String json = new String(response.body(), StandardCharsets.UTF_8);
            assertTrue(json.contains("\"href\":\"https://chat.example.org/xmpp/http-bind\""), json);
        }
    }

    // --- the session's content type (R13) and charsets (R20) ---

    @Test
    void everyResponseOfASessionUsesTheContentTypeItAskedFor_R13() throws Exception {
        String content = "text/plain; charset=utf-8";
        HttpResponse<byte[]> creation = post(("<body " + HTTPBIND + " rid='300' to='" + LocalProsody.DOMAIN
                + "' wait='1' hold='1' ver='1.11' content='" + content + "'/>").getBytes(StandardCharsets.UTF_8));
        String sid = parse(creation).attribute("sid").orElseThrow();
        List<HttpResponse<byte[]>> responses = new ArrayList<>();
        responses.add(creation);
        long rid = 300;
        XmlElement answer;
        do { // wait=1: polls come back empty after a second, or earlier with the stream features
            HttpResponse<byte[]> poll = post(sessionBody(sid, ++rid, ""));
            responses.add(poll);
            answer = parse(poll);
        } while (!answer.childElements().isEmpty());
        responses.add(post(sessionBody(sid, ++rid, "type='terminate'")));
        responses.add(post(sessionBody(sid, ++rid, "")));

        for (HttpResponse<byte[]> response : responses) {
            assertContentType(content, response);
        }
        assertEquals("terminate", parse(responses.getLast()).attribute("type").orElse(null));
    }

    @Test
    void withoutContentResponsesAreTextXmlUtf8_R13() throws Exception {
        HttpResponse<byte[]> response = post(unknownSidBody().getBytes(StandardCharsets.UTF_8));

        assertContentType("text/xml; charset=utf-8", response);
    }

    @ParameterizedTest(name = "a request sent as \"{0}\" is read as XML all the same (R5)")
    @ValueSource(strings = {"text/xml; charset=utf-8", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
        "application/octet-stream", ""})
    void theRequestContentTypeIsIgnored_R5(String contentType) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(portico.boshUri()).timeout(SHORT)
                .POST(HttpRequest.BodyPublishers.ofString(unknownSidBody()));
        if (!contentType.isEmpty()) {
            builder.header("Content-Type", contentType);
        }

        assertTerminal(send(builder), "item-not-found");
    }

    @Test
    void aResponseOpenedAsADocumentCannotRunScript() throws Exception {
        HttpResponse<byte[]> response = post(("<body " + HTTPBIND + " rid='500' to='" + LocalProsody.DOMAIN
                + "' wait='10' hold='1' ver='1.11' content='text/html'/>").getBytes(StandardCharsets.UTF_8));
        String sid = parse(response).attribute("sid").orElseThrow();
        post(sessionBody(sid, 501, "type='terminate'"));

        String policy = response.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(policy.contains("sandbox") && policy.contains("default-src 'none'"),
                "a cross-site form POST must not turn stanzas into an active page: " + response.headers());
    }

    @ParameterizedTest(name = "a body in {0} announced by its XML declaration is decoded (R20)")
    @ValueSource(strings = {"ISO-8859-1", "UTF-16"})
    void aBodyInAnAdvertisedCharsetIsDecoded_R20(String charset) throws Exception {
        try (BoshTestClient alice = portico.boshClient(); BoshTestClient bob = portico.boshClient()) {
            alice.login("test4", LocalProsody.password("test4"), "charset");
            String bobJid = bob.login("test5", LocalProsody.password("test5"), "charset");
            List<String> advertised = List.of(alice.creation().attribute("charsets").orElse("").split(" "));
            assertTrue(advertised.contains(charset), "advertised: " + advertised);
            bob.startPolling();
            alice.startPolling();

            String body = "<?xml version='1.0' encoding='" + charset + "'?>" + alice.body(alice.nextRid(), "",
                    chat(bobJid, "latin", "café déjà vu"));
            HttpResponse<byte[]> response = post(body.getBytes(Charset.forName(charset)));

            assertEquals(200, response.statusCode());
            XmlElement atBob = bob.nextMessage(SHORT);
            assertNotNull(atBob, "bob got nothing");
            assertEquals("café déjà vu", atBob.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
        }
    }

    // --- addressing and unknown sessions (R46, R56) ---

    @Test
    void aCreationRequestWithoutToIsImproperAddressing_R56() throws Exception {
        logs.clear();
        HttpResponse<byte[]> response = post(("<body " + HTTPBIND + " rid='1' wait='10' hold='1' ver='1.11'/>")
                .getBytes(StandardCharsets.UTF_8));

        assertTerminal(response, "improper-addressing");
        assertOneRejectionLogged("improper-addressing");
    }

    @Test
    void anUnknownSidIsItemNotFoundWithOneLogLine_R46() throws Exception {
        logs.clear();
        HttpResponse<byte[]> response = post(unknownSidBody().getBytes(StandardCharsets.UTF_8));

        assertTerminal(response, "item-not-found");
        assertOneRejectionLogged("item-not-found");
    }

    // --- XEP-0252 script syntax (R67–R70) ---

    @Test
    void scriptSyntaxIsOffByDefaultAndAGetIsAnEmpty404_XEP0252_2_1() throws Exception {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(BoshTestClient.scriptUri(portico.boshUri(),
                "<body " + HTTPBIND + " rid='1' to='localhost' wait='10' hold='1'/>")).timeout(SHORT).GET());

        assertEquals(404, response.statusCode());
        assertEquals(0, response.body().length);
    }

    @Test
    void aWholeSessionWorksOverScriptSyntaxWhenEnabled_XEP0252() throws Exception {
        try (PorticoHarness legacy = PorticoHarness.start(PorticoHarness::withScriptSyntax);
                BoshTestClient browser = legacy.scriptClient()) {
            String jid = browser.login("test6", LocalProsody.password("test6"), "script");
            assertTrue(jid.startsWith("test6@" + LocalProsody.DOMAIN + "/"), jid);

            XmlElement pong = browser.request("", "<iq xmlns='jabber:client' type='get' id='ping1' to='"
                    + LocalProsody.DOMAIN + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            while (pong.childElements().isEmpty()) {
                pong = browser.request("", "");
            }
            XmlElement answer = pong;
            XmlElement iq = answer.child(Namespaces.JABBER_CLIENT, "iq").orElseThrow(() -> new AssertionError(
                    "no pong in " + answer));
            assertEquals("result", iq.attribute("type").orElse(null));
            assertEquals("ping1", iq.attribute("id").orElse(null));

            // R68: the content is an octet stream; a legacy browser splits a long stanza over two GETs
            CompletableFuture<String> firstHalf = browser.rawAsync(browser.body(
                    browser.nextRid(), "", "<iq xmlns='jabber:client' type='get' id='ping2' to='"
                            + LocalProsody.DOMAIN + "'><pi"));
            List<XmlElement> received = new ArrayList<>(browser.request("",
                    "ng xmlns='urn:xmpp:ping'/></iq>").childElements());
            received.addAll(BoshTestClient.parse(firstHalf.get(10, TimeUnit.SECONDS))
                    .childElements());
            for (int i = 0; i < 5 && received.stream().noneMatch(e -> "ping2".equals(e.attribute("id")
                    .orElse(null))); i++) {
                received.addAll(browser.request("", "").childElements());
            }
            assertTrue(received.stream().anyMatch(e -> "ping2".equals(e.attribute("id").orElse(null))
                    && "result".equals(e.attribute("type").orElse(null))), "the split ping was answered: "
                    + received);

            XmlElement ended = browser.request("type='terminate'", "");
            assertEquals("terminate", ended.attribute("type").orElse(null));
        }
    }

    @Test
    void scriptSyntaxResponsesAreJavascriptThatNoCacheKeeps_R69_R70() throws Exception {
        try (PorticoHarness legacy = PorticoHarness.start(PorticoHarness::withScriptSyntax)) {
            HttpResponse<byte[]> creation = get(legacy, "<body " + HTTPBIND + " rid='400' to='"
                    + LocalProsody.DOMAIN + "' wait='10' hold='1' ver='1.11'/>");
            String sid = assertScriptResponse(creation).attribute("sid").orElseThrow();
            HttpResponse<byte[]> ended = get(legacy, "<body " + HTTPBIND + " sid='" + sid + "' rid='401' "
                    + "type='terminate'/>");
            HttpResponse<byte[]> unknown = get(legacy, unknownSidBody());

            assertEquals("terminate", assertScriptResponse(ended).attribute("type").orElse(null));
            assertEquals("item-not-found", assertScriptResponse(unknown).attribute("condition").orElse(null));
        }
    }

    @ParameterizedTest(name = "a GET with {0} is a terminal bad-request in script form, with one log line")
    @ValueSource(strings = {"", "?", "?%3Cmessage%2F%3E", "?hello", "?%3Cbody%20rid='1'%3E",
        "?%3Cbody%20rid='1'%2F%3Ejunk"})
    void aMalformedScriptRequestIsBadRequestInScriptForm_R69(String query) throws Exception {
        try (PorticoHarness legacy = PorticoHarness.start(PorticoHarness::withScriptSyntax)) {
            logs.clear();
            HttpResponse<byte[]> response = send(HttpRequest.newBuilder(URI.create(legacy.boshUri() + query))
                    .timeout(SHORT).GET());

            XmlElement body = assertScriptResponse(response);
            assertEquals("terminate", body.attribute("type").orElse(null));
            assertEquals("bad-request", body.attribute("condition").orElse(null));
            assertOneRejectionLogged("bad-request");
        }
    }

    /** R69: {@code _BOSH_("…")} on one line as text/javascript; R70: nothing may cache it. */
    private static XmlElement assertScriptResponse(HttpResponse<byte[]> response) throws Exception {
        assertEquals(200, response.statusCode());
        assertContentType("text/javascript; charset=utf-8", response);
        String cacheControl = response.headers().firstValue("Cache-Control").orElse("");
        assertTrue(cacheControl.contains("no-store") && cacheControl.contains("no-cache"), cacheControl);
        assertEquals("no-cache", response.headers().firstValue("Pragma").orElse(null));
        assertTrue(response.headers().firstValue("Expires").isPresent());
        String script = new String(response.body(), StandardCharsets.UTF_8);
        assertFalse(script.contains("\n") || script.contains("\r"), "one line: " + script);
        return BoshTestClient.parse(BoshTestClient.unwrapScript(script));
    }

    // --- helpers ---

    /**
     * The response's media type equals {@code expected} as RFC 9110 §8.3.1 compares them: type, subtype, parameter
     * names and the charset value case-insensitively, whitespace around {@code ;} insignificant (Jetty writes
     * {@code text/xml;charset=utf-8} for {@code text/xml; charset=utf-8}).
     */
    private static void assertContentType(String expected, HttpResponse<byte[]> response) {
        String actual = response.headers().firstValue("Content-Type").orElse(null);
        assertNotNull(actual, "no Content-Type");
        assertEquals(mediaType(expected), mediaType(actual), "Content-Type " + actual + " of "
                + new String(response.body(), StandardCharsets.UTF_8));
    }

    private static List<String> mediaType(String value) {
        List<String> parts = new ArrayList<>();
        for (String part : value.split(";")) {
            String trimmed = part.trim();
            int equals = trimmed.indexOf('=');
            if (parts.isEmpty() || equals < 0) {
                parts.add(trimmed.toLowerCase(java.util.Locale.ROOT));
            } else {
                String name = trimmed.substring(0, equals).trim().toLowerCase(java.util.Locale.ROOT);
                String parameter = trimmed.substring(equals + 1).trim();
                parts.add(name + "=" + (name.equals("charset") ? parameter.toLowerCase(java.util.Locale.ROOT)
                        : parameter));
            }
        }
        return parts;
    }

    private static String unknownSidBody() {
        return "<body " + HTTPBIND + " sid='no-such-session' rid='1234' ver='1.11'/>";
    }

    private static byte[] sessionBody(String sid, long rid, String attributes) {
        return ("<body " + HTTPBIND + " sid='" + sid + "' rid='" + rid + "' " + attributes + "/>")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static HttpRequest.Builder request() {
        return HttpRequest.newBuilder(portico.boshUri()).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/xml; charset=utf-8");
    }

    private static HttpResponse<byte[]> post(byte[] body) throws Exception {
        return send(request().POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private static CompletableFuture<HttpResponse<byte[]>> postAsync(byte[] body) {
        return http.sendAsync(request().POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> get(PorticoHarness harness, String body) throws Exception {
        return send(HttpRequest.newBuilder(BoshTestClient.scriptUri(harness.boshUri(), body)).timeout(SHORT).GET());
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static XmlElement parse(HttpResponse<byte[]> response) throws Exception {
        assertEquals(200, response.statusCode(), "HTTP status");
        return BoshTestClient.parse(new String(response.body(), StandardCharsets.UTF_8));
    }

    /** XEP-0124 §17.2: HTTP 200 and {@code <body type='terminate' condition='…'/>}. */
    private static void assertTerminal(HttpResponse<byte[]> response, String condition) throws Exception {
        XmlElement body = parse(response);
        assertTrue(body.is(Namespaces.HTTPBIND, "body"), body.toString());
        assertEquals("terminate", body.attribute("type").orElse(null), body.toString());
        assertEquals(condition, body.attribute("condition").orElse(null), body.toString());
    }

    /**
     * Exactly one INFO line from the BOSH edge, naming the condition, on one physical line of bounded length, and
     * no warnings anywhere; returns it.
     */
    private static String assertOneRejectionLogged(String condition) {
        List<String> lines = logs.lines(LogCapture.infoOrAbove("org.portico.bosh"));
        assertEquals(1, lines.size(), "one log line per bad request: " + lines);
        String line = lines.getFirst();
        assertTrue(line.contains(condition), line);
        assertTrue(line.chars().noneMatch(c -> Character.isISOControl(c) || c == 0x2028 || c == 0x2029),
                "a single physical line: " + line);
        assertTrue(line.length() < 400, "bounded: " + line.length() + " characters");
        assertEquals(List.of(), logs.lines(LogCapture.warnings()), "no warnings");
        return lines.getFirst();
    }

    private static PorticoConfig withHttp(PorticoConfig config, List<String> origins, String publicUrl) {
        return new PorticoConfig(config.http().toBuilder().allowedOrigins(origins).publicUrl(publicUrl).build(),
                config.bosh(), config.upstream(), config.xml(), config.store());
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(out)) {
            deflate.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] bytes) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        }
    }
}
