package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.portico.server.PorticoConfig;
import org.portico.testing.AdminClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.LogCapture;
import org.portico.testing.PorticoHarness;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamRoute;

/** Issue 11 point 5: liveness and readiness on the admin listener, in front of the real Prosody and a dead one. */
class HealthEndToEndTest {

    @Test
    void aPorticoInFrontOfARunningServerIsAliveAndReady() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(PorticoHarness::withAdmin);
                AdminClient admin = portico.admin()) {
            HttpResponse<String> alive = admin.get("/healthz");
            assertEquals(200, alive.statusCode());
            HttpResponse<String> ready = admin.get("/readyz");
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains(LocalProsody.HOST + ":" + LocalProsody.PORT), ready.body());
        }
    }

    @Test
    void aPorticoWhoseOnlyUpstreamIsUnreachableIsAliveButNotReady() throws Exception {
        int dead;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = socket.getLocalPort();
        }
        int deadPort = dead;
        try (LogCapture log = LogCapture.start();
                PorticoHarness portico = PorticoHarness.start(config -> PorticoHarness.withAdmin(new PorticoConfig(
                        config.http(), config.bosh(), PorticoHarness.upstream(Map.of(LocalProsody.DOMAIN,
                                new UpstreamRoute("127.0.0.1", deadPort, TlsPolicy.REQUIRED))), config.xml(),
                        config.store())));
                AdminClient admin = portico.admin()) {
            assertEquals(200, admin.get("/healthz").statusCode(), "the process itself is fine");
            HttpResponse<String> ready = admin.get("/readyz");
            assertEquals(503, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("127.0.0.1:" + deadPort), "the answer names what failed: "
                    + ready.body());
            assertEquals(1, log.lines(LogCapture.infoOrAbove("org.portico.admin")).stream()
                    .filter(line -> line.contains("upstream unreachable")).count(), "one log line says so");
        }
    }

    @Test
    void onlyTheAdminListenerServesTheOperatorsEndpoints() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(PorticoHarness::withAdmin);
                AdminClient admin = portico.admin()) {
            assertTrue(portico.server().adminPort() != portico.port());
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            for (String path : new String[] {"/metrics", "/healthz", "/readyz"}) {
                HttpResponse<String> onPublic = http.send(java.net.http.HttpRequest.newBuilder(portico.uri(path))
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                assertTrue(onPublic.statusCode() == 404 || !onPublic.body().contains("portico_sessions"),
                        path + " is not served where browsers are: " + onPublic.statusCode());
            }
            http.close();
            assertEquals(405, admin.get("/drain").statusCode(), "draining takes a POST");
        }
    }
}
