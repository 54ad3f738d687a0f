package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.portico.testing.AdminClient;
import org.portico.testing.PorticoHarness;

/**
 * No answer names the server's software or its version (docs/security.md): Jetty would send
 * {@code Server: Jetty(12.x.y)} on every answer, telling a scanner which advisories to try, on each long-poll. The
 * {@code Date} header stays, as RFC 9110 §6.6.1 asks of an origin server with a clock. Both listeners, in front of
 * the real Prosody.
 */
class NoServerVersionEndToEndTest {

    @Test
    void neitherListenerNamesItsSoftwareNorItsVersion() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(PorticoHarness::withAdmin);
                AdminClient admin = portico.admin();
                HttpClient http = HttpClient.newHttpClient()) {
            String unknownSession = "<body xmlns='http://jabber.org/protocol/httpbind' rid='1' sid='no-such-session'/>";
            List<HttpResponse<String>> answers = List.of(
                    http.send(HttpRequest.newBuilder(portico.boshUri()).header("Content-Type", "text/xml")
                            .POST(HttpRequest.BodyPublishers.ofString(unknownSession)).build(),
                            HttpResponse.BodyHandlers.ofString()),
                    http.send(HttpRequest.newBuilder(portico.uri("/.well-known/host-meta")).build(),
                            HttpResponse.BodyHandlers.ofString()),
                    http.send(HttpRequest.newBuilder(URI.create(portico.baseUrl() + "/no-such-page")).build(),
                            HttpResponse.BodyHandlers.ofString()),
                    admin.get("/healthz"));

            assertEquals(List.of(200, 200, 404, 200), answers.stream().map(HttpResponse::statusCode).toList());
            for (HttpResponse<String> answer : answers) {
                assertTrue(answer.headers().firstValue("Server").isEmpty(), answer.uri() + ": " + answer.headers());
                assertTrue(answer.headers().firstValue("Date").isPresent(), answer.uri() + ": " + answer.headers());
            }
        }
    }
}
