package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * Portico is never an open relay (issue 12, security review): it connects only to the upstream domains it is
 * configured for (here the local Prosody's {@code localhost}), whatever host a client names. A {@code to} naming
 * anything else ends the session with {@code host-unknown} — XEP-0124 §17.2 (R56) over BOSH, RFC 6120 §4.9.3.6
 * over WebSocket (RFC 7395 §3.5, R89) — and a {@code route} that is not on {@code upstream.routeAllowList} never
 * steers the connection: XEP-0124 §7.1 (R10) lets a connection manager for fixed domains ignore it, and the domain
 * decides. A creation request without {@code to} is {@code improper-addressing}
 * ({@code BoshHttpEdgeTest.aCreationRequestWithoutToIsImproperAddressing_R56}).
 */
class NeverAnOpenRelayEndToEndTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    @AutoClose
    private static PorticoHarness portico;

    @BeforeAll
    static void start() throws Exception {
        portico = PorticoHarness.start();
    }

    /** Another domain, a host, an IP literal, host:port forms and the upstream's own port. */
    @ParameterizedTest(name = "to=''{0}''")
    @ValueSource(strings = {"example.org", "127.0.0.1", "127.0.0.1:22", "localhost:22", "[::1]", "localhost.evil.example",
            "xmpp:127.0.0.1:5222"})
    void aBoshSessionToAnotherHostIsHostUnknown_R56(String to) throws Exception {
        try (BoshTestClient client = portico.boshClient()) {
            XmlElement body = client.raw("<body xmlns='http://jabber.org/protocol/httpbind' rid='5' to='" + to
                    + "' wait='10' hold='1' ver='1.11'/>", TIMEOUT);

            assertEquals("terminate", body.attribute("type").orElse(null), body.toString());
            assertEquals("host-unknown", body.attribute("condition").orElse(null));
        }
    }

    @ParameterizedTest(name = "to=''{0}''")
    @ValueSource(strings = {"example.org", "127.0.0.1", "localhost:22"})
    void aWebSocketStreamToAnotherHostIsHostUnknown_R89(String to) throws Exception {
        try (WebSocketTestClient client = portico.websocketClient()) {
            client.send("<open xmlns='" + Namespaces.FRAMING + "' to='" + to + "' version='1.0'/>");

            XmlElement open = client.next();
            assertTrue(open.is(Namespaces.FRAMING, "open"), "the stream opens before its error (R89): " + open);
            XmlElement error = client.next();
            assertTrue(error.is(Namespaces.STREAMS, "error"), error.toString());
            assertTrue(error.child(Namespaces.STREAM_ERRORS, "host-unknown").isPresent(), error.toString());
            XmlElement close = client.next();
            assertTrue(close.is(Namespaces.FRAMING, "close"), "then <close/> (RFC 7395 §3.6): " + close);
        }
    }

    /**
     * A route naming a listening host and port that is not allowed: the session goes to the configured server
     * (its stream features arrive), and nothing ever connected to the route. Portico tries one target after the
     * other and stops at the first that accepts, so once the configured server answered, the route's listener
     * either has a connection waiting now or never gets one.
     */
    @ParameterizedTest(name = "route {0}")
    @ValueSource(strings = {"xmpp:127.0.0.1:%d", "xmpp:localhost:%d", "127.0.0.1:%d"})
    void aRouteNotOnTheAllowListNeverSteersTheConnection_R10(String routeFormat) throws Exception {
        try (ServerSocketChannel elsewhere = ServerSocketChannel.open();
                BoshTestClient client = portico.boshClient()) {
            elsewhere.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            elsewhere.configureBlocking(false);
            String route = routeFormat.formatted(elsewhere.socket().getLocalPort());

            XmlElement body = client.raw("<body xmlns='http://jabber.org/protocol/httpbind' rid='5' to='"
                    + LocalProsody.DOMAIN + "' route='" + route + "' wait='10' hold='1' ver='1.11'/>", TIMEOUT);

            assertTrue(body.attribute("sid").isPresent(), "the session is created: " + body);
            assertTrue(body.child(Namespaces.STREAMS, "features").isPresent(),
                    "the configured server's features: " + body);
            assertNull(elsewhere.accept(), "Portico connected to the route " + route);
        }
    }
}
