package org.portico.http;

import java.time.Duration;
import java.util.List;

/**
 * Portico's HTTP listener.
 *
 * @param host            address to bind; default {@code 127.0.0.1}
 * @param port            port to bind (0 picks a free one, for tests); default 7070
 * @param allowedOrigins  browser origins allowed cross-origin (CORS), e.g. {@code https://app.example}; {@code *}
 *                        allows any; empty allows none (same-origin pages only); default empty
 * @param gzip            whether responses are compressed when the client accepts it (R4); default true
 * @param maxConnections  most open HTTP connections before new ones wait (Jetty's connection limit); default 10000
 * @param publicUrl       the URL browsers reach Portico at (behind a proxy), for host-meta; empty derives it from
 *                        each request; default empty
 * @param demo            whether the demo page is served at {@code /} when it is on the classpath; default true
 * @param shutdownRedirect the base URL of another Portico (e.g. {@code https://chat2.example}) that clients are sent
 *                         to when this one stops: BOSH {@code see-other-uri} (XEP-0124 §17.2), WebSocket
 *                         {@code <close see-other-uri/>} (RFC 7395 §3.6.1), each naming its endpoint there; empty
 *                         sends {@code system-shutdown} instead; default empty
 * @param idleTimeout      how long a connection may carry nothing before it is closed; it must outlast the longest
 *                         BOSH hold (checked against {@code bosh.maxWait} by {@code PorticoConfig}); default 90 s
 */
public record HttpConfig(String host, int port, List<String> allowedOrigins, boolean gzip, int maxConnections,
        String publicUrl, boolean demo, String shutdownRedirect, Duration idleTimeout) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(90);
    public static final HttpConfig DEFAULT = new HttpConfig("127.0.0.1", 7070, List.of(), true, 10_000, "", true);

    /** Without a shutdown redirect, with the default idle timeout. */
    public HttpConfig(String host, int port, List<String> allowedOrigins, boolean gzip, int maxConnections,
            String publicUrl, boolean demo) {
        this(host, port, allowedOrigins, gzip, maxConnections, publicUrl, demo, "", DEFAULT_IDLE_TIMEOUT);
    }

    /** The same settings with another idle timeout. */
    public HttpConfig withIdleTimeout(Duration value) {
        return new HttpConfig(host, port, allowedOrigins, gzip, maxConnections, publicUrl, demo, shutdownRedirect,
                value);
    }

    /** The same settings with another connection limit. */
    public HttpConfig withMaxConnections(int value) {
        return new HttpConfig(host, port, allowedOrigins, gzip, value, publicUrl, demo, shutdownRedirect,
                idleTimeout);
    }

    /** The same settings with another shutdown redirect. */
    public HttpConfig withShutdownRedirect(String value) {
        return new HttpConfig(host, port, allowedOrigins, gzip, maxConnections, publicUrl, demo, value, idleTimeout);
    }

    public HttpConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("http.host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("http.port must be between 0 and 65535, was " + port);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("http.maxConnections must be positive, was " + maxConnections);
        }
        if (idleTimeout == null || idleTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("http.idleTimeout must be at least 1s, was " + idleTimeout);
        }
        allowedOrigins = List.copyOf(allowedOrigins);
        publicUrl = publicUrl == null ? "" : publicUrl.replaceAll("/+$", "");
        shutdownRedirect = shutdownRedirect == null ? "" : shutdownRedirect.replaceAll("/+$", "");
        if (!shutdownRedirect.isEmpty() && !shutdownRedirect.matches("(?i)https?://.+")) {
            throw new IllegalArgumentException("http.shutdownRedirect must be an http:// or https:// URL, was '"
                    + shutdownRedirect + "'");
        }
    }
}
