package org.portico.server;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.portico.admin.AdminConfig;
import org.portico.bosh.BoshConfig;
import org.portico.client.ClientConfig;
import org.portico.cluster.ClusterConfig;
import org.portico.http.Http2Config;
import org.portico.http.HttpConfig;
import org.portico.store.StoreConfig;
import org.portico.tls.TlsConfig;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamConfig;
import org.portico.upstream.UpstreamRoute;
import org.portico.websocket.WebSocketConfig;
import org.portico.xml.XmlLimits;

/** Turns {@link Settings} into the validated configuration records; the defaults are the records' own. */
final class ConfigReader {

    private static final String DOMAIN_PREFIX = "upstream.domain.";
    /** The third word of an {@code upstream.domain.*} value that turns the PROXY protocol on for that upstream. */
    private static final String PROXY_PROTOCOL = "proxy-protocol";

    private ConfigReader() {
    }

    static PorticoConfig read(Settings s) {
        HttpConfig h = HttpConfig.DEFAULT;
        HttpConfig http = HttpConfig.builder().host(s.string("http.host", h.host()))
                .port(s.integer("http.port", h.port())).allowedOrigins(s.list("http.allowedOrigins"))
                .gzip(s.bool("http.gzip", h.gzip())).gzipMinBytes(s.integer("http.gzipMinBytes", h.gzipMinBytes()))
                .maxConnections(s.integer("http.maxConnections", h.maxConnections()))
                .publicUrl(s.string("http.publicUrl", h.publicUrl())).demo(s.bool("http.demo", h.demo()))
                .shutdownRedirect(s.string("http.shutdownRedirect", h.shutdownRedirect()))
                .idleTimeout(s.duration("http.idleTimeout", h.idleTimeout()))
                .headerCacheSize(s.integer("http.headerCacheSize", h.headerCacheSize()))
                .inputBufferBytes(s.integer("http.inputBufferBytes", h.inputBufferBytes())).build();

        BoshConfig b = BoshConfig.DEFAULT;
        BoshConfig bosh = BoshConfig.builder().path(s.string("bosh.path", b.path()))
                .maxWait(s.duration("bosh.maxWait", b.maxWait())).maxHold(s.integer("bosh.maxHold", b.maxHold()))
                .polling(s.duration("bosh.polling", b.polling()))
                .inactivity(s.duration("bosh.inactivity", b.inactivity()))
                .maxPause(s.duration("bosh.maxPause", b.maxPause()))
                .maxPendingBytes(s.integer("bosh.maxPendingBytes", b.maxPendingBytes()))
                .maxBufferedResponses(s.integer("bosh.maxBufferedResponses", b.maxBufferedResponses()))
                .maxRidRepeats(s.integer("bosh.maxRidRepeats", b.maxRidRepeats()))
                .maxStreams(s.integer("bosh.maxStreams", b.maxStreams()))
                .scriptSyntax(s.bool("bosh.scriptSyntax", b.scriptSyntax()))
                .charsets(s.list("bosh.charsets").isEmpty() ? b.charsets() : s.list("bosh.charsets"))
                .reportAfter(s.duration("bosh.reportAfter", b.reportAfter()))
                .ridGapGrace(s.duration("bosh.ridGapGrace", b.ridGapGrace()))
                .requestsOnSelector(s.bool("bosh.requestsOnSelector", b.requestsOnSelector())).build();

        XmlLimits x = XmlLimits.DEFAULT;
        XmlLimits xml = new XmlLimits(s.integer("xml.maxBytes", x.maxBytes()), s.integer("xml.maxDepth", x.maxDepth()),
                s.integer("xml.maxAttributes", x.maxAttributes()), s.integer("xml.maxTextLength", x.maxTextLength()));

        StoreConfig store = new StoreConfig(s.integer("store.maxSessions", StoreConfig.DEFAULT.maxSessions()));

        return new PorticoConfig(http, bosh, upstream(s, xml), xml, store, websocket(s, xml), client(s),
                tls(s), http2(s), admin(s), cluster(s));
    }

    /** {@code cluster.*}: one node of several behind a load balancer (docs/cluster.md); off by default. */
    private static ClusterConfig cluster(Settings s) {
        ClusterConfig c = ClusterConfig.OFF;
        String bind = s.string("cluster.bind", c.bindHost() + ":" + c.bindPort());
        int colon = bind.lastIndexOf(':');
        int port;
        try {
            port = colon > 0 ? Integer.parseInt(bind.substring(colon + 1)) : -1;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0) {
            throw new IllegalArgumentException("cluster.bind must be host:port, was '" + bind + "'");
        }
        return ClusterConfig.builder().enabled(s.bool("cluster.enabled", c.enabled()))
                .name(s.string("cluster.name", c.name())).nodeName(s.string("cluster.nodeName", c.nodeName()))
                .bindHost(bind.substring(0, colon)).bindPort(port).members(s.list("cluster.members"))
                .internalUrl(s.string("cluster.internalUrl", c.internalUrl()))
                .publicUrl(s.string("cluster.publicUrl", c.publicUrl()))
                .failureDetectionOffset(s.integer("cluster.failureDetectionOffset", c.failureDetectionOffset()))
                .failureTimeout(s.duration("cluster.failureTimeout", c.failureTimeout()))
                .joinTimeout(s.duration("cluster.joinTimeout", c.joinTimeout()))
                .formTimeout(s.duration("cluster.formTimeout", c.formTimeout()))
                .forwardTimeout(s.duration("cluster.forwardTimeout", c.forwardTimeout())).build();
    }

    /** {@code client.*}: trusted proxies and limits per client address. */
    private static ClientConfig client(Settings s) {
        ClientConfig c = ClientConfig.DEFAULT;
        return ClientConfig.builder().trustedProxies(s.list("client.trustedProxies"))
                .maxSessionsPerAddress(s.integer("client.maxSessionsPerAddress", c.maxSessionsPerAddress()))
                .newSessionsPerSecond(s.integer("client.newSessionsPerSecond", c.newSessionsPerSecond()))
                .newSessionsBurst(s.integer("client.newSessionsBurst", c.newSessionsBurst())).build();
    }

    /** {@code tls.*}: the HTTPS listener, on when a key store or a PEM certificate is named. */
    private static TlsConfig tls(Settings s) {
        TlsConfig t = TlsConfig.DEFAULT;
        return TlsConfig.builder().host(s.string("tls.host", t.host())).port(s.integer("tls.port", t.port()))
                .keyStore(path(s.string("tls.keyStore", null)))
                .keyStorePassword(s.string("tls.keyStorePassword", t.keyStorePassword()))
                .certificate(path(s.string("tls.certificate", null)))
                .privateKey(path(s.string("tls.privateKey", null)))
                .reloadInterval(s.duration("tls.reloadInterval", t.reloadInterval())).build();
    }

    private static Path path(String value) {
        return value == null ? null : Path.of(value);
    }

    private static Http2Config http2(Settings s) {
        Http2Config h = Http2Config.DEFAULT;
        return Http2Config.builder().tls(s.bool("http2.tls", h.tls())).cleartext(s.bool("http2.cleartext",
                h.cleartext())).maxConcurrentStreams(s.integer("http2.maxConcurrentStreams", h.maxConcurrentStreams()))
                .websocket(s.bool("http2.websocket", h.websocket())).build();
    }

    /** {@code admin.*}: the admin listener (metrics, health, drain). */
    private static AdminConfig admin(Settings s) {
        AdminConfig a = AdminConfig.DEFAULT;
        return AdminConfig.builder().enabled(s.bool("admin.enabled", a.enabled()))
                .host(s.string("admin.host", a.host())).port(s.integer("admin.port", a.port()))
                .upstreamTimeout(s.duration("admin.upstreamTimeout", a.upstreamTimeout()))
                .upstreamCheckEvery(s.duration("admin.upstreamCheckEvery", a.upstreamCheckEvery()))
                .drainGrace(s.duration("admin.drainGrace", a.drainGrace())).build();
    }

    /** {@code websocket.*}; the message and frame limits default to {@code xml.maxBytes}. */
    private static WebSocketConfig websocket(Settings s, XmlLimits xml) {
        WebSocketConfig w = WebSocketConfig.DEFAULT;
        int maxMessageBytes = s.integer("websocket.maxMessageBytes", xml.maxBytes());
        return WebSocketConfig.builder()
                .enabled(s.bool("websocket.enabled", w.enabled()))
                .path(s.string("websocket.path", w.path()))
                .maxMessageBytes(maxMessageBytes)
                .maxFrameBytes(s.integer("websocket.maxFrameBytes", maxMessageBytes))
                .pingInterval(s.duration("websocket.pingInterval", w.pingInterval()))
                .idleTimeout(s.duration("websocket.idleTimeout", w.idleTimeout()))
                .permessageDeflate(s.bool("websocket.permessageDeflate", w.permessageDeflate()))
                .resumeGrace(s.duration("websocket.resumeGrace", w.resumeGrace()))
                .maxBufferedElements(s.integer("websocket.maxBufferedElements", w.maxBufferedElements()))
                .maxBufferedBytes(s.integer("websocket.maxBufferedBytes", w.maxBufferedBytes()))
                .maxQueuedFrames(s.integer("websocket.maxQueuedFrames", w.maxQueuedFrames()))
                .redirectToBosh(s.bool("websocket.redirectToBosh", w.redirectToBosh()))
                .inputBufferBytes(s.integer("websocket.inputBufferBytes", w.inputBufferBytes()))
                .framesOnSelector(s.bool("websocket.framesOnSelector", w.framesOnSelector()))
                .build();
    }

    private static UpstreamConfig upstream(Settings s, XmlLimits xml) {
        Map<String, UpstreamRoute> domains = new LinkedHashMap<>();
        for (String key : s.keysUnder(DOMAIN_PREFIX)) {
            String domain = key.substring(DOMAIN_PREFIX.length());
            domains.put(domain, route(key, s.string(key, "")));
        }
        UpstreamConfig u = UpstreamConfig.builder().build();
        String trustStore = s.string("upstream.trustStore", null);
        return new UpstreamConfig(domains, s.bool("upstream.srvLookup", u.srvLookup()),
                tls("upstream.discoveredTls", s.string("upstream.discoveredTls", u.discoveredTls().name())),
                trustStore == null ? u.trustStore() : Path.of(trustStore),
                s.string("upstream.trustStorePassword", u.trustStorePassword()),
                s.bool("upstream.verifyHostname", u.verifyHostname()),
                s.duration("upstream.connectTimeout", u.connectTimeout()),
                s.duration("upstream.closeTimeout", u.closeTimeout()),
                s.list("upstream.routeAllowList"),
                s.integer("upstream.maxQueuedWriteBytes", u.maxQueuedWriteBytes()),
                UpstreamConfig.xmlLimitsFor(xml),
                s.integer("upstream.pollers", u.pollers()));
    }

    /**
     * {@code host:port} followed by the STARTTLS policy and, for a server that expects it, {@code proxy-protocol},
     * e.g. {@code 127.0.0.1:5222 required} or {@code 10.0.0.7:5223 required proxy-protocol}.
     */
    private static UpstreamRoute route(String key, String value) {
        String[] parts = value.trim().split("\\s+");
        int colon = parts[0].lastIndexOf(':');
        boolean proxyProtocol = parts.length == 3 && PROXY_PROTOCOL.equals(parts[2]);
        if (parts.length != (proxyProtocol ? 3 : 2) || colon <= 0) {
            throw new IllegalArgumentException(key + " must be 'host:port tls-policy', optionally followed by '"
                    + PROXY_PROTOCOL + "', was '" + value + "'");
        }
        int port;
        try {
            port = Integer.parseInt(parts[0].substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " has a port that is not a number: '" + value + "'");
        }
        return new UpstreamRoute(parts[0].substring(0, colon), port, tls(key, parts[1]), proxyProtocol);
    }

    private static TlsPolicy tls(String key, String value) {
        try {
            return TlsPolicy.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": TLS policy must be required, optional or disabled, was '"
                    + value + "'");
        }
    }
}
