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
 * @param gzipMinBytes    smallest response body that is compressed; 0 compresses every one; default 1024. Every
 *                        browser accepts gzip, and compressing a BOSH answer cost 30–40 µs of CPU, a fifth or more
 *                        of relaying a message through BOSH, to save about 90 bytes of a 300-byte chat message
 *                        (docs/benchmarks.md). Larger bodies (archive pages, rosters) are still compressed
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
 * @param headerCacheSize  size of each HTTP/1.1 connection's cache of parsed request header fields (Jetty's
 *                         {@code HttpConfiguration.headerCacheSize}); 0 turns it off; default 0. Jetty's default, 1024,
 *                         builds a 96 kB table in every connection that has carried a request, and a BOSH session
 *                         keeps one connection open under its held request: that table was most of an idle
 *                         session's memory, while it saves a few hundred bytes of parsing per request
 *                         (docs/benchmarks.md)
 * @param inputBufferBytes each HTTP/1.1 connection's read buffer (Jetty's {@code HttpConnectionFactory
 *                         .inputBufferSize}), at least 512; default 2048. Jetty keeps it, direct memory, for as long
 *                         as the connection's request is unanswered, so a BOSH session pays it for the whole of each
 *                         held request; Jetty's default of 8192 was a quarter of an idle BOSH session's memory
 *                         (docs/benchmarks.md). A request larger than the buffer is read in several passes
 */
public record HttpConfig(String host, int port, List<String> allowedOrigins, boolean gzip, int gzipMinBytes,
        int maxConnections, String publicUrl, boolean demo, String shutdownRedirect, Duration idleTimeout,
        int headerCacheSize, int inputBufferBytes) {

    /** Smallest read buffer: room for a request line and its usual headers in one pass. */
    public static final int MIN_INPUT_BUFFER_BYTES = 512;

    /** Every setting at its default. */
    public static final HttpConfig DEFAULT = builder().build();

    public HttpConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("http.host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("http.port must be between 0 and 65535, was " + port);
        }
        if (gzipMinBytes < 0) {
            throw new IllegalArgumentException("http.gzipMinBytes must be 0 or more, was " + gzipMinBytes);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("http.maxConnections must be positive, was " + maxConnections);
        }
        if (idleTimeout == null || idleTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("http.idleTimeout must be at least 1s, was " + idleTimeout);
        }
        if (headerCacheSize < 0) {
            throw new IllegalArgumentException("http.headerCacheSize must be 0 (off) or positive, was "
                    + headerCacheSize);
        }
        if (inputBufferBytes < MIN_INPUT_BUFFER_BYTES) {
            throw new IllegalArgumentException("http.inputBufferBytes must be at least " + MIN_INPUT_BUFFER_BYTES
                    + ", was " + inputBufferBytes);
        }
        allowedOrigins = List.copyOf(allowedOrigins);
        publicUrl = publicUrl == null ? "" : publicUrl.replaceAll("/+$", "");
        shutdownRedirect = shutdownRedirect == null ? "" : shutdownRedirect.replaceAll("/+$", "");
        if (!shutdownRedirect.isEmpty() && !shutdownRedirect.matches("(?i)https?://.+")) {
            throw new IllegalArgumentException("http.shutdownRedirect must be an http:// or https:// URL, was '"
                    + shutdownRedirect + "'");
        }
    }

    /** Starts from the defaults documented on each component. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts from these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder().host(host).port(port).allowedOrigins(allowedOrigins).gzip(gzip).gzipMinBytes(gzipMinBytes)
                .maxConnections(maxConnections).publicUrl(publicUrl).demo(demo).shutdownRedirect(shutdownRedirect)
                .idleTimeout(idleTimeout).headerCacheSize(headerCacheSize).inputBufferBytes(inputBufferBytes);
    }

    /** Mutable staging for an {@link HttpConfig}, named field by field; {@link #build()} validates. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 7070;
        private List<String> allowedOrigins = List.of();
        private boolean gzip = true;
        private int gzipMinBytes = 1024;
        private int maxConnections = 10_000;
        private String publicUrl = "";
        private boolean demo = true;
        private String shutdownRedirect = "";
        private Duration idleTimeout = Duration.ofSeconds(90);
        private int headerCacheSize = 0;
        private int inputBufferBytes = 2048;

        private Builder() {
        }

        public Builder host(String value) {
            host = value;
            return this;
        }

        public Builder port(int value) {
            port = value;
            return this;
        }

        public Builder allowedOrigins(List<String> value) {
            allowedOrigins = value;
            return this;
        }

        public Builder gzip(boolean value) {
            gzip = value;
            return this;
        }

        public Builder gzipMinBytes(int value) {
            gzipMinBytes = value;
            return this;
        }

        public Builder maxConnections(int value) {
            maxConnections = value;
            return this;
        }

        public Builder publicUrl(String value) {
            publicUrl = value;
            return this;
        }

        public Builder demo(boolean value) {
            demo = value;
            return this;
        }

        public Builder shutdownRedirect(String value) {
            shutdownRedirect = value;
            return this;
        }

        public Builder idleTimeout(Duration value) {
            idleTimeout = value;
            return this;
        }

        public Builder headerCacheSize(int value) {
            headerCacheSize = value;
            return this;
        }

        public Builder inputBufferBytes(int value) {
            inputBufferBytes = value;
            return this;
        }

        public HttpConfig build() {
            return new HttpConfig(host, port, allowedOrigins, gzip, gzipMinBytes, maxConnections, publicUrl, demo,
                    shutdownRedirect, idleTimeout, headerCacheSize, inputBufferBytes);
        }
    }
}
