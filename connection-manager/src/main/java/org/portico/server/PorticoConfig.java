package org.portico.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.portico.admin.AdminConfig;
import org.portico.bosh.BoshConfig;
import org.portico.client.ClientConfig;
import org.portico.cluster.ClusterConfig;
import org.portico.http.Http2Config;
import org.portico.http.HttpConfig;
import org.portico.store.StoreConfig;
import org.portico.tls.TlsConfig;
import org.portico.upstream.UpstreamConfig;
import org.portico.websocket.WebSocketConfig;
import org.portico.xml.XmlLimits;

/**
 * Everything Portico is configured with, each part validated by its own record. Read once from
 * {@code conf/portico.properties} (every key documented there) and passed down; nothing reads configuration
 * globally.
 */
public record PorticoConfig(HttpConfig http, BoshConfig bosh, UpstreamConfig upstream, XmlLimits xml,
        StoreConfig store, WebSocketConfig websocket, ClientConfig client, TlsConfig tls, Http2Config http2,
        AdminConfig admin, ClusterConfig cluster) {

    /** How much longer than the longest BOSH hold a connection may stay silent: the answer's own trip. */
    static final Duration IDLE_MARGIN = Duration.ofSeconds(10);

    /**
     * With the default WebSocket transport, no HTTPS listener and no admin listener: a Portico built from code (tests,
     * benchmarks) binds only what it asks for; the properties file turns the admin listener on by default.
     */
    public PorticoConfig(HttpConfig http, BoshConfig bosh, UpstreamConfig upstream, XmlLimits xml, StoreConfig store) {
        this(http, bosh, upstream, xml, store, WebSocketConfig.DEFAULT);
    }

    /** With the default client-address, HTTPS (none), HTTP/2 and admin (none) settings. */
    public PorticoConfig(HttpConfig http, BoshConfig bosh, UpstreamConfig upstream, XmlLimits xml, StoreConfig store,
            WebSocketConfig websocket) {
        this(http, bosh, upstream, xml, store, websocket, ClientConfig.DEFAULT, TlsConfig.DEFAULT, Http2Config.DEFAULT,
                AdminConfig.OFF);
    }

    /** A single Portico, not one node of a cluster ({@link ClusterConfig#OFF}). */
    public PorticoConfig(HttpConfig http, BoshConfig bosh, UpstreamConfig upstream, XmlLimits xml, StoreConfig store,
            WebSocketConfig websocket, ClientConfig client, TlsConfig tls, Http2Config http2, AdminConfig admin) {
        this(http, bosh, upstream, xml, store, websocket, client, tls, http2, admin, ClusterConfig.OFF);
    }

    /** The same configuration with other client-address settings (trusted proxies, limits per address). */
    public PorticoConfig withClient(ClientConfig changed) {
        return new PorticoConfig(http, bosh, upstream, xml, store, websocket, changed, tls, http2, admin, cluster);
    }

    /** The same configuration with another BOSH transport. */
    public PorticoConfig withBosh(BoshConfig changed) {
        return new PorticoConfig(http, changed, upstream, xml, store, websocket, client, tls, http2, admin, cluster);
    }

    /** The same configuration with another WebSocket transport. */
    public PorticoConfig withWebSocket(WebSocketConfig changed) {
        return new PorticoConfig(http, bosh, upstream, xml, store, changed, client, tls, http2, admin, cluster);
    }

    /** The same configuration with other HTTP settings. */
    public PorticoConfig withHttp(HttpConfig changed) {
        return new PorticoConfig(changed, bosh, upstream, xml, store, websocket, client, tls, http2, admin, cluster);
    }

    /** The same configuration with another HTTPS listener and HTTP/2 settings. */
    public PorticoConfig withTls(TlsConfig changedTls, Http2Config changedHttp2) {
        return new PorticoConfig(http, bosh, upstream, xml, store, websocket, client, changedTls, changedHttp2,
                admin, cluster);
    }

    /** The same configuration with another admin listener. */
    public PorticoConfig withAdmin(AdminConfig changed) {
        return new PorticoConfig(http, bosh, upstream, xml, store, websocket, client, tls, http2, changed, cluster);
    }

    /** The same configuration as one node of a cluster (or, with {@link ClusterConfig#OFF}, none). */
    public PorticoConfig withCluster(ClusterConfig changed) {
        return new PorticoConfig(http, bosh, upstream, xml, store, websocket, client, tls, http2, admin, changed);
    }

    public PorticoConfig {
        if (xml.maxBytes() < 1024) {
            throw new IllegalArgumentException("xml.maxBytes is too small for any BOSH body");
        }
        if (http.idleTimeout().compareTo(bosh.maxWait().plus(IDLE_MARGIN)) < 0) {
            throw new IllegalArgumentException("http.idleTimeout (" + http.idleTimeout() + ") must be at least "
                    + "bosh.maxWait (" + bosh.maxWait() + ") + " + IDLE_MARGIN.toSeconds() + "s: a connection must "
                    + "not idle out under a held BOSH request");
        }
        if (tls.enabled() && tls.port() != 0 && tls.port() == http.port() && tls.host().equals(http.host())) {
            throw new IllegalArgumentException("tls.port and http.port must differ, both are " + http.port());
        }
        if (websocket.enabled() && websocket.path().equals(bosh.path())) {
            throw new IllegalArgumentException("websocket.path and bosh.path must differ, both are " + bosh.path());
        }
    }

    /**
     * Loads a properties file; {@code PORTICO_CFG_*} environment variables override its keys and add upstream
     * domains. An error names where the bad value came from (the file or the variable).
     */
    public static PorticoConfig load(Path file, Map<String, String> environment) throws IOException {
        Settings settings = Settings.load(file, environment);
        PorticoConfig config;
        try {
            config = ConfigReader.read(settings);
        } catch (IllegalArgumentException e) {
            throw settings.located(e);
        }
        settings.rejectUnknownKeys();
        return config;
    }
}
