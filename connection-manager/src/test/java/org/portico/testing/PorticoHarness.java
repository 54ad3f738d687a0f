package org.portico.testing;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.portico.admin.AdminConfig;
import org.portico.bosh.BoshConfig;
import org.portico.http.HttpConfig;
import org.portico.server.PorticoConfig;
import org.portico.server.PorticoServer;
import org.portico.store.StoreConfig;
import org.portico.upstream.TcpUpstreamConnector;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamConfig;
import org.portico.upstream.UpstreamRoute;
import org.portico.xml.XmlLimits;

/**
 * A Portico on a free loopback port in front of the local Prosody (or another {@link Upstream}), with STARTTLS
 * required (or the leg a test names) and the server's own certificate trusted: the configuration end-to-end tests
 * start from, adjusted per test.
 */
public final class PorticoHarness implements AutoCloseable {

    private final PorticoServer server;

    private PorticoHarness(PorticoConfig config) throws Exception {
        this.server = new PorticoServer(config, new TcpUpstreamConnector(config.upstream())).start();
    }

    /** The default test configuration, in front of the local Prosody. */
    public static PorticoConfig config() {
        return config(upstream(Map.of(LocalProsody.DOMAIN, new UpstreamRoute(LocalProsody.HOST, LocalProsody.PORT,
                TlsPolicy.REQUIRED))));
    }

    private static PorticoConfig config(UpstreamConfig upstream) {
        return new PorticoConfig(
                HttpConfig.builder().port(0).allowedOrigins(List.of("http://allowed.example")).maxConnections(1000)
                        .build(),
                BoshConfig.DEFAULT, upstream, XmlLimits.DEFAULT, new StoreConfig(1000));
    }

    public static UpstreamConfig upstream(Map<String, UpstreamRoute> domains) {
        return upstream(domains, LocalProsody.certificate());
    }

    /** The test upstream settings, trusting {@code certificate} (another server's than Prosody's). */
    public static UpstreamConfig upstream(Map<String, UpstreamRoute> domains, Path certificate) {
        return new UpstreamConfig(domains, false, TlsPolicy.REQUIRED, certificate, null, true,
                Duration.ofSeconds(5), Duration.ofSeconds(2), List.of(), 1024 * 1024, XmlLimits.DEFAULT, 2);
    }

    /** The admin listener (metrics, health, drain) on a free loopback port, as tests of it adjust the config. */
    public static PorticoConfig withAdmin(PorticoConfig config) {
        return config.withAdmin(AdminConfig.builder().port(0).build());
    }

    /** XEP-0252 script syntax switched on ({@code bosh.scriptSyntax}), for the tests of legacy browsers. */
    public static PorticoConfig withScriptSyntax(PorticoConfig config) {
        return config.withBosh(config.bosh().toBuilder().scriptSyntax(true).build());
    }

    public static PorticoHarness start() throws Exception {
        return start(config -> config);
    }

    public static PorticoHarness start(UnaryOperator<PorticoConfig> adjust) throws Exception {
        return start(Upstream.PROSODY, adjust);
    }

    /**
     * The default test configuration in front of {@code upstream}, STARTTLS required, adjusted; skips the calling
     * test (or, in the full run, fails it) unless that server runs.
     */
    public static PorticoHarness start(Upstream upstream, UnaryOperator<PorticoConfig> adjust) throws Exception {
        return start(upstream, TlsPolicy.REQUIRED, adjust);
    }

    /**
     * As {@link #start(Upstream, UnaryOperator)} with {@code leg} as the STARTTLS policy of the upstream leg:
     * {@link TlsPolicy#DISABLED} for plain TCP, whose open streams the upstream poller reads for WebSocket sessions.
     */
    public static PorticoHarness start(Upstream upstream, TlsPolicy leg, UnaryOperator<PorticoConfig> adjust)
            throws Exception {
        upstream.assumeRunning();
        return new PorticoHarness(adjust.apply(config(upstream(Map.of(upstream.domain(),
                new UpstreamRoute(upstream.host(), upstream.port(), leg)), upstream.certificate()))));
    }

    public PorticoServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    public URI boshUri() {
        return URI.create("http://127.0.0.1:" + port() + BoshConfig.DEFAULT.path());
    }

    /** A client of this Portico's admin listener (started with {@link #withAdmin}). */
    public AdminClient admin() {
        return new AdminClient(server.adminPort());
    }

    /** The base URL clients are sent to when they move here ({@code http.shutdownRedirect} of another Portico). */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    public URI websocketUri() {
        return URI.create("ws://127.0.0.1:" + port() + server.config().websocket().path());
    }

    /** A WebSocket client connected with the {@code xmpp} subprotocol, stream not yet opened. */
    public WebSocketTestClient websocketClient() throws Exception {
        return WebSocketTestClient.connect(websocketUri(), LocalProsody.DOMAIN);
    }

    public BoshTestClient boshClient() {
        return new BoshTestClient(boshUri(), LocalProsody.DOMAIN);
    }

    /** A legacy-browser client speaking XEP-0252 script syntax (the server must have {@code bosh.scriptSyntax}). */
    public BoshTestClient scriptClient() {
        return BoshTestClient.scriptSyntax(boshUri(), LocalProsody.DOMAIN);
    }

    @Override
    public void close() {
        server.close();
    }
}
