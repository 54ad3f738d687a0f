package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.portico.bosh.BoshConfig;
import org.portico.client.ClientConfig;
import org.portico.http.HttpConfig;
import org.portico.server.PorticoConfig;
import org.portico.server.PorticoServer;
import org.portico.store.StoreConfig;
import org.portico.testing.LocalEjabberd;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.upstream.TcpUpstreamConnector;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamRoute;
import org.portico.websocket.WebSocketConfig;
import org.portico.xml.XmlLimits;

/**
 * Issue 11, point 3: with {@code proxy-protocol} on its route, Portico starts each upstream connection with a PROXY
 * protocol v2 header naming the browser, and ejabberd ({@code use_proxy_protocol} on its second c2s port, the one
 * {@code scripts/ejabberd-start.sh} opens on {@code PORTICO_EJABBERD_PROXY_PORT}) records the session under the
 * browser's address instead of Portico's, as its admin API shows. The browser is behind a trusted proxy here, so its
 * address is the forwarded one, which ejabberd could not know otherwise. Skipped unless that ejabberd runs.
 */
class ProxyProtocolEjabberdTest {

    private static final String BROWSER = "203.0.113.99";
    private static PorticoServer portico;

    /** Skips the whole class unless the local ejabberd runs (in the full run, which starts it, fails instead). */
    @BeforeAll
    static void start() throws Exception {
        LocalEjabberd.assumeRunning();
        PorticoConfig config = new PorticoConfig(HttpConfig.builder().port(0).build(), BoshConfig.DEFAULT,
                PorticoHarness.upstream(Map.of(LocalEjabberd.DOMAIN, new UpstreamRoute(LocalEjabberd.HOST,
                        LocalEjabberd.PROXY_PORT, TlsPolicy.REQUIRED, true)), LocalEjabberd.certificate()),
                XmlLimits.DEFAULT, new StoreConfig(100), WebSocketConfig.DEFAULT)
                .withClient(ClientConfig.builder().trustedProxies(List.of("127.0.0.1")).build());
        portico = new PorticoServer(config, new TcpUpstreamConnector(config.upstream())).start();
    }

    @AfterAll
    static void stop() {
        if (portico != null) {
            portico.close();
        }
    }

    @Test
    void ejabberdSeesTheBrowsersAddressThroughTheProxyProtocol() throws Exception {
        try (WebSocketTestClient browser = WebSocketTestClient.connect(URI.create("ws://127.0.0.1:" + portico.port()
                + "/xmpp-websocket"), LocalEjabberd.DOMAIN, Map.of("X-Forwarded-For", BROWSER));
                HttpClient admin = HttpClient.newHttpClient()) {
            String jid = browser.login("test5", LocalProsody.password("test5"), "proxied");
            String sessions = admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + LocalEjabberd.HTTP_PORT + "/api/user_sessions_info")).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"user\":\"test5\",\"host\":\"" + LocalEjabberd.DOMAIN + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();

            assertTrue(sessions.contains("\"ip\":\"" + BROWSER + "\"") && sessions.contains(
                    jid.substring(jid.indexOf('/') + 1)), "ejabberd's sessions of test5: " + sessions);
        }
    }
}
