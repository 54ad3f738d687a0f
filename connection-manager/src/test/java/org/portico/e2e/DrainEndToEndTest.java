package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.portico.admin.AdminConfig;
import org.portico.server.PorticoConfig;
import org.portico.testing.AdminClient;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.LogCapture;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * Issue 11 point 6: a graceful drain against the real Prosody. Readiness goes to 503 first, new sessions are sent to
 * the other Portico ({@code http.shutdownRedirect}), existing ones are told to move (XEP-0124 §17.2
 * {@code see-other-uri}; RFC 7395 §3.6.1 {@code <close see-other-uri/>}) or {@code system-shutdown}, XEP-0198
 * streams are left resumable at the server, and Portico stops within its grace period.
 */
class DrainEndToEndTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final String CREATION = "<body xmlns='http://jabber.org/protocol/httpbind' rid='1' to='"
            + LocalProsody.DOMAIN + "' wait='10' hold='1' ver='1.11'/>";

    /** A Portico with the admin listener that sends its clients to {@code other} when it drains. */
    private static UnaryOperator<PorticoConfig> redirectingTo(PorticoHarness other) {
        return config -> PorticoHarness.withAdmin(config.withHttp(config.http().toBuilder()
                .shutdownRedirect(other.baseUrl()).build()));
    }

    private static String body(XmlElement message) {
        return message.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text();
    }

    @Test
    void aDrainTurnsReadinessOffThenSendsNewAndExistingClientsToTheOtherPortico_XEP0124_17_2_RFC7395_3_6_1()
            throws Exception {
        try (PorticoHarness other = PorticoHarness.start(PorticoHarness::withAdmin);
                PorticoHarness draining = PorticoHarness.start(redirectingTo(other));
                AdminClient admin = draining.admin();
                BoshTestClient existing = draining.boshClient()) {
            existing.login("test1", LocalProsody.password("test1"), "drain");
            URI drainingBosh = draining.boshUri();
            assertEquals(200, admin.get("/readyz").statusCode());

            HttpResponse<String> accepted = admin.post("/drain");
            assertEquals(202, accepted.statusCode(), accepted.body());
            HttpResponse<String> ready = admin.get("/readyz");
            assertEquals(503, ready.statusCode(), "readiness goes first: " + ready.body());
            assertEquals(200, admin.get("/healthz").statusCode(), "still alive while it drains");
            assertEquals(1, admin.scrape().value("portico_draining"));

            try (BoshTestClient late = new BoshTestClient(drainingBosh, LocalProsody.DOMAIN)) {
                XmlElement refused = late.raw(CREATION, PATIENCE);
                assertEquals("see-other-uri", refused.attribute("condition").orElse(null), refused.toString());
                assertEquals(other.boshUri().toString(),
                        refused.child(Namespaces.HTTPBIND, "uri").orElseThrow().text());
            }

            try (WebSocketTestClient late = draining.websocketClient()) {
                late.open();
                XmlElement close = late.next(e -> Namespaces.FRAMING.equals(e.namespace()));
                assertTrue(close.is(Namespaces.FRAMING, "close"), close.toString());
                assertEquals(other.websocketUri().toString(), close.attribute("see-other-uri").orElse(null));
            }

            XmlElement told = existing.request("", "");
            assertEquals("terminate", told.attribute("type").orElse(null), told.toString());
            assertEquals("see-other-uri", told.attribute("condition").orElse(null), told.toString());
            URI elsewhere = URI.create(told.child(Namespaces.HTTPBIND, "uri").orElseThrow().text());
            assertEquals(other.boshUri(), elsewhere);

            draining.server().drained().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            try (BoshTestClient late = new BoshTestClient(drainingBosh, LocalProsody.DOMAIN)) {
                assertThrows(IOException.class, () -> late.post(CREATION), "the drained Portico stopped listening");
            }
            try (BoshTestClient moved = new BoshTestClient(elsewhere, LocalProsody.DOMAIN)) {
                assertTrue(moved.login("test1", LocalProsody.password("test1"), "moved").startsWith("test1@"));
            }
        }
    }

    /**
     * XEP-0198 §5 across Portico instances: the draining Portico drops its upstream connection without
     * {@code </stream:stream>}, so Prosody keeps the stream resumable; the client follows {@code see-other-uri} to
     * the second Portico and resumes there. Numbered messages sent before, during and after the drain all arrive,
     * once each and in order, before a last one sent at the end.
     */
    @Test
    void anXep0198ClientMovesToTheOtherPorticoAndResumesWithNothingLost_XEP0198_5_RFC7395_3_6_1() throws Exception {
        try (PorticoHarness other = PorticoHarness.start(PorticoHarness::withAdmin);
                PorticoHarness draining = PorticoHarness.start(redirectingTo(other));
                AdminClient admin = draining.admin();
                AdminClient otherAdmin = other.admin();
                WebSocketTestClient client = draining.websocketClient();
                WebSocketTestClient sender = other.websocketClient()) {
            String jid = client.login("test3", LocalProsody.password("test3"), "mover");
            client.enableStreamManagement();
            sender.login("test4", LocalProsody.password("test4"), "sender");
            double resumedBefore = otherAdmin.scrape().value("portico_reloads_resumed_total",
                    Map.of("mechanism", "xep0198"));
            List<String> received = new ArrayList<>();

            IntStream.rangeClosed(1, 5).forEach(n -> sender.chat(jid, "m" + n, Integer.toString(n)));
            for (int n = 1; n <= 5; n++) {
                received.add(body(client.nextMessage()));
            }
            CompletableFuture<Void> drained = draining.server().drained();
            assertEquals(202, admin.post("/drain").statusCode());
            IntStream.rangeClosed(6, 10).forEach(n -> sender.chat(jid, "m" + n, Integer.toString(n)));
            XmlElement close = client.next(e -> e.is(Namespaces.FRAMING, "close"));
            assertEquals(other.websocketUri().toString(), close.attribute("see-other-uri").orElse(null));
            client.awaitClosed();
            IntStream.rangeClosed(11, 15).forEach(n -> sender.chat(jid, "m" + n, Integer.toString(n)));
            drained.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            client.reconnect(URI.create(close.attribute("see-other-uri").orElseThrow()));
            XmlElement resumed = client.resumeStreamManagement("test3", LocalProsody.password("test3"));
            assertTrue(resumed.is(Namespaces.SM, "resumed"), "Prosody kept the stream resumable: " + resumed);
            IntStream.rangeClosed(16, 20).forEach(n -> sender.chat(jid, "m" + n, Integer.toString(n)));
            sender.chat(jid, "last", "last");
            for (String text = body(client.nextMessage()); !text.equals("last"); text = body(client.nextMessage())) {
                received.add(text);
            }

            assertEquals(IntStream.rangeClosed(1, 20).mapToObj(Integer::toString).toList(), received);
            assertEquals(resumedBefore + 1, otherAdmin.scrape().value("portico_reloads_resumed_total",
                    Map.of("mechanism", "xep0198")), "the resumption passed through the second Portico");
        }
    }

    /** RFC 6120 §4.9.3.22: without a redirect, clients are told system-shutdown; the grace bounds the wait. */
    @Test
    void withoutARedirectClientsAreToldSystemShutdownAndTheGraceBoundsTheDrain() throws Exception {
        try (LogCapture log = LogCapture.start();
                PorticoHarness draining = PorticoHarness.start(config -> config.withAdmin(AdminConfig.builder()
                        .port(0).drainGrace(Duration.ofSeconds(1)).build()));
                BoshTestClient away = draining.boshClient();
                WebSocketTestClient attached = draining.websocketClient()) {
            away.login("test5", LocalProsody.password("test5"), "away");
            attached.login("test6", LocalProsody.password("test6"), "attached");

            draining.server().drain();

            XmlElement error = attached.next(e -> e.is(Namespaces.STREAMS, "error"));
            assertTrue(error.child(Namespaces.STREAM_ERRORS, "system-shutdown").isPresent(), error.toString());
            assertTrue(log.lines(LogCapture.infoOrAbove("org.portico.admin")).stream()
                    .anyMatch(line -> line.contains("the grace period ran out")),
                    "the BOSH client never came back for its end, so the grace period ended the drain");
        }
    }
}
