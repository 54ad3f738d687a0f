package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.portico.server.PorticoConfig;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.TcpForwarder;
import org.portico.testing.UpstreamThreads;
import org.portico.testing.Upstream;
import org.portico.testing.WebSocketTestClient;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamRoute;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * A server lost mid-session (killed, crashed, its host gone) is not a clean logout: every session on it ends at once
 * with the spec's condition, so that a client can tell the two apart and reconnect. BOSH: terminal
 * {@code remote-connection-failed} (XEP-0124 §17.2); WebSocket: a {@code <stream:error>} with
 * {@code remote-connection-failed} (RFC 6120 §4.9.3.15) before {@code <close/>}. Nothing is left behind, and new
 * sessions work as soon as the server is back. A server that stops reading one session costs only that session.
 * Prosody and ejabberd each sit behind a forwarder that the test cuts (with a FIN, as for a killed process, or a
 * reset) or stalls.
 */
class UpstreamLossEndToEndTest {

    private static final Duration PROMPTLY = Duration.ofSeconds(5);
    private static final int BOSH_SESSIONS = 20;

    /** Each server, cut with a FIN and with a reset, over STARTTLS and over a plain leg (both read by the poller). */
    static Stream<Arguments> upstreamsAndCuts() {
        return Arrays.stream(Upstream.values()).flatMap(upstream -> Stream.of(false, true)
                .flatMap(reset -> Stream.of(TlsPolicy.REQUIRED, TlsPolicy.DISABLED)
                        .map(leg -> Arguments.of(upstream, reset, leg))));
    }

    @ParameterizedTest(name = "{0}, reset={1}, upstream leg {2}")
    @MethodSource("upstreamsAndCuts")
    void everySessionOnALostServerEndsWithRemoteConnectionFailedAndNothingIsLeftBehind(Upstream upstream,
            boolean reset, TlsPolicy leg) throws Exception {
        try (TcpForwarder server = new TcpForwarder(upstream.host(), upstream.port());
                PorticoHarness portico = PorticoHarness.start(upstream,
                        config -> through(config, upstream, server, leg));
                WebSocketTestClient ws = portico.websocketClient()) {
            List<BoshTestClient> boshClients = new ArrayList<>();
            List<CompletableFuture<String>> held = new ArrayList<>();
            try {
                for (int i = 0; i < BOSH_SESSIONS; i++) {
                    BoshTestClient bosh = portico.boshClient();
                    boshClients.add(bosh);
                    bosh.login("test" + (1 + i % 5), LocalProsody.password("test" + (1 + i % 5)), "lost-" + i);
                    held.add(bosh.rawAsync(bosh.body(bosh.nextRid(), "", "")));
                }
                ws.login("test6", LocalProsody.password("test6"), "lost-ws");
                assertEquals(0, UpstreamThreads.awaitNone(PROMPTLY), "over STARTTLS as over a plain leg the poller "
                        + "reads every session, BOSH and WebSocket: no thread each");

                server.cutAll(reset);

                for (CompletableFuture<String> poll : held) {
                    XmlElement body = BoshTestClient.parse(poll.get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS));
                    assertEquals("terminate", body.attribute("type").orElse(null));
                    assertEquals("remote-connection-failed", body.attribute("condition").orElse(null));
                }
                XmlElement error = ws.next(e -> e.is(Namespaces.STREAMS, "error"));
                assertTrue(error.child(Namespaces.STREAM_ERRORS, "remote-connection-failed").isPresent(),
                        error.toString());
                assertTrue(ws.next().is(Namespaces.FRAMING, "close"), "then <close/> (RFC 7395 §3.6)");
                assertEquals(0, openConnectionsTo(server.port()), "every upstream socket of Portico is closed");
                assertEquals(0, UpstreamThreads.awaitNone(PROMPTLY), "no upstream reader or writer thread left behind");
            } finally {
                boshClients.forEach(BoshTestClient::close);
            }
            try (BoshTestClient again = portico.boshClient()) {
                assertTrue(again.login("test1", LocalProsody.password("test1"), "back-" + reset)
                        .startsWith("test1@"), "once the server is back, new sessions work without a restart");
            }
        }
    }

    static Stream<Arguments> upstreamsAndLegs() {
        return Arrays.stream(Upstream.values()).flatMap(upstream -> Stream.of(TlsPolicy.REQUIRED, TlsPolicy.DISABLED)
                .map(leg -> Arguments.of(upstream, leg)));
    }

    /**
     * Over STARTTLS the frames' stanzas go to the stream's writer thread; over a plain leg the frame's own thread
     * writes what the socket takes and leaves the rest to the writer: either way it never waits, and the bound ends
     * the stuck session only.
     */
    @ParameterizedTest(name = "{0}, upstream leg {1}")
    @MethodSource("upstreamsAndLegs")
    void aServerThatStopsReadingOneSessionCostsOnlyThatSession(Upstream upstream, TlsPolicy leg) throws Exception {
        try (TcpForwarder server = new TcpForwarder(upstream.host(), upstream.port());
                PorticoHarness portico = PorticoHarness.start(upstream,
                        config -> through(config, upstream, server, leg));
                WebSocketTestClient stuck = portico.websocketClient();
                WebSocketTestClient other = portico.websocketClient()) {
            stuck.login("test1", LocalProsody.password("test1"), "stuck");
            other.login("test2", LocalProsody.password("test2"), "other");
            server.stall(0);

            // far more than the kernel buffers and Portico's bounded write queue (upstream.maxQueuedBytes) hold
            String filler = "x".repeat(32 * 1024);
            ErrorOrSent outcome = sendUntilEnded(stuck, filler, 1_000);

            assertTrue(outcome.ended(), "the stuck session was dropped after " + outcome.sent() + " messages");
            long started = System.nanoTime();
            other.send("<iq xmlns='jabber:client' type='get' id='still-there' to='" + upstream.domain()
                    + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            XmlElement pong = other.next(e -> "still-there".equals(e.attribute("id").orElse(null)));
            assertEquals("result", pong.attribute("type").orElse(null), "the other session goes on: " + pong);
            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(PROMPTLY) < 0,
                    "and keeps its latency");
        }
    }

    private record ErrorOrSent(boolean ended, int sent) {
    }

    /** Sends chat messages until the session ends (a stream error or the socket closing), at most {@code max}. */
    private static ErrorOrSent sendUntilEnded(WebSocketTestClient client, String filler, int max)
            throws InterruptedException {
        for (int n = 0; n < max; n++) {
            try {
                client.send("<message xmlns='jabber:client' type='chat' to='test3@" + LocalProsody.DOMAIN
                        + "'><body>" + filler + "</body></message>");
            } catch (RuntimeException e) {
                return new ErrorOrSent(true, n); // the socket is closed: the session was dropped
            }
            WebSocketTestClient.Event event;
            while ((event = client.nextEvent(Duration.ZERO)) != null) {
                if (event instanceof WebSocketTestClient.Closed || event instanceof WebSocketTestClient.Message message
                        && message.element().is(Namespaces.STREAMS, "error")) {
                    return new ErrorOrSent(true, n);
                }
            }
        }
        return new ErrorOrSent(false, max);
    }

    /** Portico's TCP connections to the forwarder's port that are still open (any state but TIME_WAIT/CLOSE). */
    private static long openConnectionsTo(int port) throws IOException, InterruptedException {
        String remote = String.format(Locale.ROOT, ":%04X", port);
        long deadline = System.nanoTime() + PROMPTLY.toNanos();
        long open;
        do {
            open = Stream.of("/proc/net/tcp", "/proc/net/tcp6").map(Path::of).filter(Files::isReadable)
                    .flatMap(UpstreamLossEndToEndTest::lines)
                    .map(line -> line.trim().split("\\s+"))
                    .filter(fields -> fields.length > 3 && fields[2].endsWith(remote))
                    .filter(fields -> !fields[3].equals("06") && !fields[3].equals("07")) // TIME_WAIT, CLOSE
                    .count();
            if (open > 0) {
                Thread.sleep(20); // the kernel's view after Portico closed its sockets; polled, bounded
            }
        } while (open > 0 && System.nanoTime() < deadline);
        return open;
    }

    private static Stream<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream().skip(1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static PorticoConfig through(PorticoConfig config, Upstream upstream, TcpForwarder server,
            TlsPolicy leg) {
        return new PorticoConfig(config.http(), config.bosh(), PorticoHarness.upstream(Map.of(upstream.domain(),
                new UpstreamRoute(upstream.host(), server.port(), leg)), upstream.certificate()),
                config.xml(), config.store(), config.websocket());
    }
}
