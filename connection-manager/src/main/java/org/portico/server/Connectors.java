package org.portico.server;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.portico.http.Http2Config;
import org.portico.http.HttpConfig;
import org.portico.http.SelectorReadEndPoint;
import org.portico.tls.ServerCertificates;
import org.portico.tls.TlsConfig;

/**
 * Portico's listeners: the plain one on {@code http.port} (HTTP/1.1, and h2c when {@code http2.cleartext}), and,
 * when {@code tls.*} names key material, the HTTPS one on {@code tls.port}, where ALPN (RFC 7301) offers {@code h2}
 * (when {@code http2.tls}) before {@code http/1.1}. Both serve the same handlers; requests over TLS are marked
 * secure, so host-meta advertises {@code https://} and {@code wss://}.
 */
final class Connectors {

    /**
     * Sizes of the buffer pool's buckets. Jetty's default pool rounds every buffer up to a multiple of 4 KiB, so the
     * read buffers configured smaller ({@code http.inputBufferBytes}, {@code websocket.inputBufferBytes}) would cost
     * 4 KiB each all the same.
     */
    private static final int POOL_BUCKET_BYTES = 1024;
    /** Largest pooled buffer (Jetty's default); larger ones are allocated and dropped. */
    private static final int POOL_MAX_BUFFER_BYTES = 64 * 1024;

    private final ServerConnector plain;
    /** Null without TLS. */
    private final ServerConnector secure;
    /** Null without TLS. */
    private final ServerCertificates certificates;

    /**
     * Adds the connectors to {@code server}.
     *
     * @throws IllegalArgumentException when the TLS key material cannot be read
     */
    Connectors(Server server, HttpConfig http, TlsConfig tls, Http2Config http2) {
        HttpConfiguration configuration = new HttpConfiguration();
        configuration.setHeaderCacheSize(http.headerCacheSize());
        // Jetty names itself and its exact version in a Server header on every answer: a scanner's first question
        // answered for free (docs/security.md), and two dozen bytes on every long-poll
        configuration.setSendServerVersion(false);

        List<ConnectionFactory> plainProtocols = new ArrayList<>(List.of(http1(configuration, http)));
        if (http2.cleartext()) {
            plainProtocols.add(http2(new HTTP2CServerConnectionFactory(configuration), http2));
        }
        plain = connector(server, http.host(), http.port(), http, plainProtocols);

        if (tls.enabled()) {
            certificates = new ServerCertificates(tls);
            HttpConfiguration secureConfiguration = new HttpConfiguration(configuration);
            secureConfiguration.addCustomizer(new SecureRequestCustomizer());
            HttpConnectionFactory http1 = http1(secureConfiguration, http);
            List<ConnectionFactory> negotiated = new ArrayList<>();
            if (http2.tls()) {
                negotiated.add(http2(new HTTP2ServerConnectionFactory(secureConfiguration), http2));
            }
            negotiated.add(http1);
            // ALPN ids are compared byte for byte (RFC 7301 §3.1): "http/1.1" as registered, not Jetty's "HTTP/1.1"
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(negotiated.stream()
                    .map(factory -> factory.getProtocol().toLowerCase(Locale.ROOT)).toArray(String[]::new));
            // a client without ALPN gets HTTP/1.1
            alpn.setDefaultProtocol(http1.getProtocol());
            List<ConnectionFactory> secureProtocols = new ArrayList<>();
            secureProtocols.add(new SslConnectionFactory(certificates.sslContextFactory(), alpn.getProtocol()));
            secureProtocols.add(alpn);
            secureProtocols.addAll(negotiated);
            secure = connector(server, tls.host(), tls.port(), http, secureProtocols);
            server.addBean(certificates);
        } else {
            certificates = null;
            secure = null;
        }
    }

    /** The pool every connection's buffers come from, in buckets of {@link #POOL_BUCKET_BYTES}. */
    static ByteBufferPool bufferPool() {
        return new ArrayByteBufferPool(0, POOL_BUCKET_BYTES, POOL_MAX_BUFFER_BYTES);
    }

    private static HttpConnectionFactory http1(HttpConfiguration configuration, HttpConfig http) {
        HttpConnectionFactory factory = new HttpConnectionFactory(configuration);
        factory.setInputBufferSize(http.inputBufferBytes());
        return factory;
    }

    private static ServerConnector connector(Server server, String host, int port, HttpConfig http,
            List<ConnectionFactory> protocols) {
        ServerConnector connector = new ServerConnector(server, protocols.toArray(ConnectionFactory[]::new)) {
            /** WebSocket frames read on the selector when they may be (websocket.framesOnSelector). */
            @Override
            protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector,
                    SelectionKey key) {
                SelectorReadEndPoint endPoint = new SelectorReadEndPoint(channel, selector, key, getScheduler());
                endPoint.setIdleTimeout(getIdleTimeout());
                return endPoint;
            }
        };
        connector.setHost(host);
        connector.setPort(port);
        // longer than any BOSH hold (PorticoConfig checks it), so no connection idles out under a held request;
        // an HTTP/2 stream's idle timeout is the same, since Jetty takes it from the connection's
        connector.setIdleTimeout(http.idleTimeout().toMillis());
        server.addConnector(connector);
        return connector;
    }

    /**
     * Sets up an HTTP/2 factory. Jetty's factory adds a customizer to its HTTP configuration that, on every HTTP/2
     * request, walks the server's connectors (a copy of their list) for an HTTP/3 one to advertise with Alt-Svc
     * (RFC 7838); Portico serves no HTTP/3, so the walk never finds one and is taken out.
     */
    private static <F extends AbstractHTTP2ServerConnectionFactory> F http2(F factory, Http2Config config) {
        factory.getHttpConfiguration().getCustomizers()
                .removeIf(HTTP2ServerConnectionFactory.AltSvcCustomizer.class::isInstance);
        factory.setMaxConcurrentStreams(config.maxConcurrentStreams());
        // RFC 8441: WebSocket opened as an HTTP/2 stream (SETTINGS_ENABLE_CONNECT_PROTOCOL)
        factory.setConnectProtocolEnabled(config.websocket());
        return factory;
    }

    /** The plain listener's bound port. */
    int plainPort() {
        return plain.getLocalPort();
    }

    /** The HTTPS listener's bound port, or -1 without TLS. */
    int securePort() {
        return secure == null ? -1 : secure.getLocalPort();
    }

    /** The certificate of the HTTPS listener, or null without TLS. */
    ServerCertificates certificates() {
        return certificates;
    }

    @Override
    public String toString() {
        return "Connectors[" + plain.getProtocols() + (secure == null ? "" : " " + secure.getProtocols()) + "]";
    }
}
