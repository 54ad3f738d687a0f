package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.bosh.BoshConfig;
import org.portico.http.Http2Config;
import org.portico.server.PorticoConfig;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.LoggingThreads;
import org.portico.testing.PorticoHarness;
import org.portico.testing.RawHttp;
import org.portico.testing.TestCertificates;
import org.portico.testing.TestCertificates.Issued;
import org.portico.tls.TlsConfig;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * {@code bosh.requestsOnSelector} (issue 10): Portico's server says its handlers never block, so Jetty's selector
 * reads a plain HTTP/1.1 connection's requests and handles them itself, instead of handing each to another thread:
 * those for open sessions, and, on a single Portico, those that open one, whose session store is in memory and whose
 * upstream connects on a thread of its own (a cluster node's directory may wait for the network: there opening runs
 * on a virtual thread, {@code BoshSessionsThreadsTest}). Over HTTP/2 the same holds for each stream: Jetty handles a
 * stream's request on the thread that read its frames, in the same produce-consume mode, instead of starting a
 * thread for it. Seen from the
 * threads that log ({@link LoggingThreads}: run by Jetty's selector loop itself, or virtual), with messages really
 * relayed through Prosody both ways.
 */
class BoshRequestsOnSelectorEndToEndTest {

    private static final Duration SHORT = Duration.ofSeconds(10);

    @Test
    void aSinglePorticoOpensSessionsAndHandlesTheirRequestsOnTheSelector() throws Exception {
        Handling handling = exchange(config -> config, PorticoHarness::boshClient);
        assertTrue(handling.creation(), "a session was not opened by the selector loop itself");
        assertTrue(handling.chat(), "the open session's message was not run by the selector loop itself");
    }

    @Test
    void overHttp2AnOpenSessionsRequestsAreHandledOnTheThreadThatReadTheirFrames_RFC9113(@TempDir Path dir)
            throws Exception {
        Issued certificate = TestCertificates.issue(dir, "localhost");
        TlsConfig tls = TlsConfig.builder().port(0).certificate(certificate.certificate())
                .privateKey(certificate.privateKey()).build();
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(TestCertificates.trusting(certificate)).connectTimeout(SHORT).build()) {
            Handling handling = exchange(config -> config.withTls(tls, Http2Config.DEFAULT), portico -> {
                URI endpoint = URI.create("https://localhost:" + portico.server().tlsPort()
                        + portico.boshUri().getPath());
                return BoshTestClient.shared(endpoint, LocalProsody.DOMAIN, http, 30);
            });
            assertTrue(handling.creation(), "a session was not opened by the thread that read its request");
            assertTrue(handling.chat(), "the open session's message was not run by the thread that read it");
            assertEquals(HttpClient.Version.HTTP_2, handling.version(), "ALPN chose h2");
        }
    }

    /**
     * A held request answered when its wait ran out, on the thread that keeps the waits (XEP-0124 §7.1), leaves its
     * connection to be resumed by Jetty's thread pool ({@code SelectorResumingThreadPool}): the next request on that
     * connection must still be read and handled by the selector loop, not by a thread the resumption started. This
     * is every cycle of an idle long-poll.
     */
    @Test
    void aConnectionWhoseHeldRequestTheWaitAnsweredHasItsNextRequestHandledOnTheSelector() throws Exception {
        try (LoggingThreads logged = LoggingThreads.recording();
                PorticoHarness portico = PorticoHarness.start();
                BoshTestClient client = portico.boshClient();
                Socket socket = new Socket(portico.boshUri().getHost(), portico.boshUri().getPort())) {
            socket.setSoTimeout((int) SHORT.toMillis());
            client.create(1, false);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int cycle = 0; cycle < 2; cycle++) {
                RawHttp.postXml(out, "localhost", portico.boshUri().getPath(), client.body(client.nextRid(), "", ""));
                String head = RawHttp.readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                RawHttp.readBody(in, head);
            }
            long second = client.currentRid();
            assertTrue(logged.wire("bosh <- ", "rid='" + second + "'").bySelectorLoop(),
                    "the request after a wait's answer was not run by the selector loop");
        }
    }

    @Test
    void switchedOffEveryRequestIsHandedToAnotherThread() throws Exception {
        Handling handling = exchange(config -> config.withBosh(BoshConfig.DEFAULT.toBuilder()
                .requestsOnSelector(false).build()), PorticoHarness::boshClient);
        assertFalse(handling.chat(), "with bosh.requestsOnSelector=false the message was run by the selector loop");
    }

    /**
     * A connection marked by a BOSH request may carry any request next: a servlet's (here host-meta, XEP-0156) is
     * served as on any other connection, off the selector ({@code ServletsOffPlatformThreads}).
     */
    @Test
    void aServletRequestOnAConnectionThatCarriedBoshIsServed() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start();
                Socket socket = new Socket(portico.boshUri().getHost(), portico.boshUri().getPort())) {
            socket.setSoTimeout((int) SHORT.toMillis());
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            RawHttp.postXml(out, "localhost", portico.boshUri().getPath(),
                    "<body xmlns='http://jabber.org/protocol/httpbind' sid='no-such-sid' rid='7'/>");
            assertTrue(new String(RawHttp.readBody(in, RawHttp.readHead(in)), StandardCharsets.UTF_8)
                    .contains("item-not-found"));

            out.write("GET /.well-known/host-meta HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(new String(RawHttp.readBody(in, head), StandardCharsets.UTF_8)
                    .contains("urn:xmpp:alt-connections:xbosh"));
        }
    }

    /**
     * Whether the selector loop itself opened both sessions, whether the selector loop itself ran test1's second
     * message to test2, sent on the connection its first message opened, and the HTTP version of a request.
     */
    private record Handling(boolean creation, boolean chat, HttpClient.Version version) {
    }

    /** A BOSH client of the Portico under test. */
    private interface Clients {
        BoshTestClient client(PorticoHarness portico) throws Exception;
    }

    private static Handling exchange(UnaryOperator<PorticoConfig> adjust, Clients clients) throws Exception {
        String first = "first-to-test2-" + UUID.randomUUID();
        String there = "to-test2-" + UUID.randomUUID();
        String back = "to-test1-" + UUID.randomUUID();
        try (LoggingThreads logged = LoggingThreads.recording();
                PorticoHarness portico = PorticoHarness.start(adjust);
                BoshTestClient one = clients.client(portico);
                BoshTestClient two = clients.client(portico)) {
            String jidOne = one.login("test1", LocalProsody.password("test1"), "selector");
            String jidTwo = two.login("test2", LocalProsody.password("test2"), "selector");
            one.startPolling();
            two.startPolling();
            one.send(chat(jidTwo, "s0", first));
            assertEquals(first, body(two.nextMessage(SHORT)), "relayed from test1 to test2");
            one.send(chat(jidTwo, "s1", there));
            assertEquals(there, body(two.nextMessage(SHORT)), "relayed from test1 to test2");
            two.send(chat(jidOne, "s2", back));
            assertEquals(back, body(one.nextMessage(SHORT)), "relayed from test2 to test1");
            List<LoggingThreads.Logged> opened = logged.all(e -> e.message().startsWith("BOSH session created"));
            assertEquals(2, opened.size(), "sessions opened: " + opened);
            return new Handling(opened.stream().allMatch(LoggingThreads.Logged::bySelectorLoop),
                    logged.wire("bosh <- ", there).bySelectorLoop(), one.post("<body/>").version());
        }
    }

    private static String chat(String to, String id, String text) {
        return "<message xmlns='jabber:client' to='" + to + "' id='" + id + "' type='chat'><body>" + text
                + "</body></message>";
    }

    private static String body(XmlElement message) {
        assertNotNull(message, "no message arrived");
        return message.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text();
    }
}
