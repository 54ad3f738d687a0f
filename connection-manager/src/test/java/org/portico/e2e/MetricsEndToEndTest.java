package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.portico.testing.AdminClient;
import org.portico.testing.AdminClient.Scrape;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.xml.XmlElement;

/**
 * Issue 11 point 4: the Prometheus endpoint on the admin listener, scraped over HTTP as Prometheus would, while
 * sessions of both transports come, reload and go against the real Prosody. Each figure is read before and after
 * the event that must move it, so the test holds whatever other sessions did before.
 */
class MetricsEndToEndTest {

    private static final Map<String, String> BOSH = Map.of("transport", "bosh");
    private static final Map<String, String> WEBSOCKET = Map.of("transport", "websocket");

    private static Map<String, String> sessions(String transport, String state) {
        return Map.of("transport", transport, "state", state);
    }

    private static Map<String, String> ended(String transport, String cause) {
        return Map.of("transport", transport, "cause", cause);
    }

    @Test
    void aBoshSessionIsCountedAsItStartsPausesForAReloadResumesAndEnds_XEP0124_10() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(PorticoHarness::withAdmin);
                AdminClient admin = portico.admin();
                BoshTestClient client = portico.boshClient()) {
            Scrape before = admin.scrape();

            client.login("test1", LocalProsody.password("test1"), "metrics");
            Scrape live = admin.scrape();
            assertEquals(1, live.value("portico_sessions", sessions("bosh", "live")));
            assertEquals(before.value("portico_sessions_started_total", BOSH) + 1,
                    live.value("portico_sessions_started_total", BOSH));
            assertEquals(before.value("portico_upstream_connects_total") + 1,
                    live.value("portico_upstream_connects_total"));
            assertEquals(1, live.value("portico_store_sessions"));
            Map<String, String> ok = Map.of("outcome", "2xx");
            double okBefore = before.value("portico_http_requests_total", ok);
            assertTrue(admin.awaitValue("portico_http_requests_total", ok, n -> n >= okBefore + 4)
                    .value("portico_http_requests_total", ok) >= okBefore + 4,
                    "creation, auth, restart and bind were answered 200 (counted once Jetty completed them)");
            assertTrue(live.value("portico_stanza_processing_seconds_count", Map.of("direction", "out")) > 0,
                    "the server's stanzas were timed");
            assertTrue(live.value("portico_stanza_processing_seconds_count", Map.of("direction", "in")) > 0,
                    "the client's requests were timed");

            client.request("pause='30'", "");
            Scrape paused = admin.scrape();
            assertEquals(1, paused.value("portico_sessions", sessions("bosh", "paused")));
            assertEquals(0, paused.value("portico_sessions", sessions("bosh", "live")));

            Map<String, String> pause = Map.of("mechanism", "bosh_pause");
            double pausesBefore = before.value("portico_reloads_resumed_total", pause);
            client.rawAsync(client.body(client.nextRid(), "", ""));
            assertEquals(pausesBefore + 1, admin.awaitValue("portico_reloads_resumed_total", pause,
                    n -> n > pausesBefore).value("portico_reloads_resumed_total", pause));
            // a scrape begun after the count moved reads the gauges after the event that moved it
            Scrape resumed = admin.scrape();
            assertEquals(1, resumed.value("portico_bosh_held_requests"), "the reloaded page's request is held");
            assertEquals(1, resumed.value("portico_sessions", sessions("bosh", "live")));

            XmlElement end = client.request("type='terminate'", "<presence xmlns='jabber:client' type='unavailable'/>");
            assertEquals("terminate", end.attribute("type").orElse(null), end.toString());
            // the cause is client_closed, or expired when the terminal answer to the held request is reported
            // undelivered first (BoshSession bounces its payloads as an expiry): the count is what is checked here
            double endedBefore = before.sum("portico_sessions_ended_total", BOSH);
            Scrape gone = admin.awaitSum("portico_sessions_ended_total", BOSH, count -> count > endedBefore);
            assertEquals(endedBefore + 1, gone.sum("portico_sessions_ended_total", BOSH));
            assertEquals(0, gone.value("portico_sessions", sessions("bosh", "live")));
            assertEquals(0, gone.value("portico_bosh_held_requests"));
        }
    }

    /**
     * A page that vanishes with its held request and comes back with the session's sid and next rid (Strophe's
     * {@code keepalive}; XEP-0124 §14.3 lets a client go on after a lost connection) is counted as a restore.
     */
    @Test
    void aBoshClientThatLosesItsHeldConnectionAndContinuesIsCountedAsARestore_XEP0124_14_3() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(PorticoHarness::withAdmin);
                AdminClient admin = portico.admin();
                BoshTestClient client = portico.boshClient();
                HttpClient oldPage = HttpClient.newHttpClient()) {
            client.login("test3", LocalProsody.password("test3"), "restore");
            Map<String, String> restore = Map.of("mechanism", "bosh_restore");
            double before = admin.scrape().value("portico_reloads_resumed_total", restore);

            CompletableFuture<HttpResponse<String>> held = oldPage.sendAsync(HttpRequest.newBuilder(portico.boshUri())
                    .POST(HttpRequest.BodyPublishers.ofString(client.body(client.nextRid(), "", ""))).build(),
                    HttpResponse.BodyHandlers.ofString());
            admin.awaitValue("portico_bosh_held_requests", Map.of(), n -> n == 1);
            held.cancel(true);
            assertEquals(0, admin.awaitValue("portico_bosh_held_requests", Map.of(), n -> n == 0)
                    .value("portico_bosh_held_requests"), "Portico noticed the vanished page");

            client.rawAsync(client.body(client.nextRid(), "", ""));
            Scrape restored = admin.awaitValue("portico_reloads_resumed_total", restore, n -> n > before);
            assertEquals(before + 1, restored.value("portico_reloads_resumed_total", restore));
            assertEquals(1, admin.scrape().value("portico_sessions", sessions("bosh", "live")));
        }
    }

    /** RFC 7395 §3.3: one stanza per message; Portico's resume token survives a dropped socket (R91). */
    @Test
    void aWebSocketSessionIsCountedWithItsMessagesBytesResumptionAndEnd_RFC7395() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(PorticoHarness::withAdmin);
                AdminClient admin = portico.admin();
                WebSocketTestClient client = portico.websocketClient()) {
            Scrape before = admin.scrape();

            client.login("test2", LocalProsody.password("test2"), "metrics");
            Scrape live = admin.scrape();
            assertEquals(1, live.value("portico_sessions", sessions("websocket", "live")));
            assertEquals(before.value("portico_sessions_started_total", WEBSOCKET) + 1,
                    live.value("portico_sessions_started_total", WEBSOCKET));
            assertEquals(before.value("portico_websocket_messages_total", Map.of("direction", "in")) + 4,
                    live.value("portico_websocket_messages_total", Map.of("direction", "in")),
                    "open, auth, open after SASL and bind came from the client, nothing else");
            assertTrue(live.value("portico_websocket_messages_total", Map.of("direction", "out"))
                    >= before.value("portico_websocket_messages_total", Map.of("direction", "out")) + 6,
                    "two opens, two features, the SASL success and the bind result went to it");
            assertTrue(live.value("portico_websocket_bytes_total", Map.of("direction", "in"))
                    > live.value("portico_websocket_messages_total", Map.of("direction", "in")) * 20,
                    "bytes are counted, not messages");
            assertEquals(1, admin.awaitValue("portico_http_requests_total", Map.of("outcome", "1xx"), n -> n >= 1)
                    .value("portico_http_requests_total", Map.of("outcome", "1xx")),
                    "the upgrade (101) is an HTTP exchange too");

            client.drop();
            Scrape detached = admin.awaitValue("portico_sessions", sessions("websocket", "paused"), n -> n == 1);
            assertEquals(1, detached.value("portico_sessions", sessions("websocket", "paused")));
            XmlElement open = client.resume();
            assertEquals("true", open.attribute(new javax.xml.namespace.QName(
                    org.portico.xml.Namespaces.PORTICO_RESUME, "resumed")).orElse(null));
            Map<String, String> token = Map.of("mechanism", "resume_token");
            double tokensBefore = before.value("portico_reloads_resumed_total", token);
            Scrape resumed = admin.awaitValue("portico_reloads_resumed_total", token, n -> n > tokensBefore);
            assertEquals(tokensBefore + 1, resumed.value("portico_reloads_resumed_total", token));
            assertEquals(1, admin.scrape().value("portico_sessions", sessions("websocket", "live")));

            client.closeStream();
            Scrape gone = admin.awaitValue("portico_sessions_ended_total", ended("websocket", "client_closed"),
                    count -> count > before.value("portico_sessions_ended_total", ended("websocket",
                            "client_closed")));
            assertEquals(before.value("portico_sessions_ended_total", ended("websocket", "client_closed")) + 1,
                    gone.value("portico_sessions_ended_total", ended("websocket", "client_closed")));
            assertEquals(0, gone.value("portico_sessions", sessions("websocket", "live")));
        }
    }

    @Test
    void anUnreachableUpstreamIsCountedAsAConnectFailureByCause() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(PorticoHarness::withAdmin);
                AdminClient admin = portico.admin();
                BoshTestClient client = new BoshTestClient(portico.boshUri(), "unknown.example")) {
            Scrape before = admin.scrape();
            XmlElement answer = client.raw("<body xmlns='http://jabber.org/protocol/httpbind' rid='1' "
                    + "to='unknown.example' wait='10' hold='1' ver='1.11'/>", java.time.Duration.ofSeconds(20));
            assertEquals("terminate", answer.attribute("type").orElse(null), "no upstream for that domain");
            Scrape after = admin.awaitValue("portico_upstream_connect_failures_total",
                    Map.of("cause", "host_unknown"), n -> n >= 1);
            assertEquals(1, after.value("portico_upstream_connect_failures_total", Map.of("cause", "host_unknown")));
            assertEquals(before.value("portico_upstream_connects_total"), after.value("portico_upstream_connects_total"));
        }
    }

    @Test
    void jvmMetricsAreServedBesidePorticosOwn() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(PorticoHarness::withAdmin);
                AdminClient admin = portico.admin()) {
            Scrape scrape = admin.scrape();
            assertTrue(scrape.has("jvm_memory_used_bytes"), scrape.text());
            assertTrue(scrape.has("jvm_threads_current"), scrape.text());
            assertEquals(0, scrape.value("portico_draining"));
            assertTrue(scrape.text().contains("# TYPE portico_stanza_processing_seconds histogram"), scrape.text());
        }
    }
}
