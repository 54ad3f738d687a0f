package org.portico.http;

/**
 * HTTP/2 (RFC 9113) beside HTTP/1.1 ({@code http2.*} in {@code conf/portico.properties}). A browser opens at most
 * six HTTP/1.1 connections to one host and each BOSH tab keeps one or two of them busy with held requests, so the
 * seventh tab stalls; over HTTP/2 every tab's requests are streams of one connection.
 *
 * @param tls                  offer {@code h2} by ALPN on the HTTPS listener, which browsers then prefer; default
 *                             true
 * @param cleartext            accept HTTP/2 without TLS ({@code h2c}, by prior knowledge or {@code Upgrade: h2c}) on
 *                             the plain listener, for a reverse proxy or a client that speaks it; default false:
 *                             browsers never speak it, and with it on, an HTTP/1.1 client that offers
 *                             {@code Upgrade: h2c} (the JDK's {@code HttpClient} does by default) is moved to HTTP/2
 * @param maxConcurrentStreams most requests in flight on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS);
 *                             each BOSH tab needs up to {@code bosh.maxHold} + 1, so this bounds the tabs of one
 *                             browser; default 128
 * @param websocket            let WebSocket run over HTTP/2 streams (RFC 8441 extended CONNECT), so a browser that
 *                             does it needs no connection of its own for each socket; default true
 */
public record Http2Config(boolean tls, boolean cleartext, int maxConcurrentStreams, boolean websocket) {

    /** Every setting at its default. */
    public static final Http2Config DEFAULT = builder().build();

    public Http2Config {
        if (maxConcurrentStreams < 2) {
            throw new IllegalArgumentException("http2.maxConcurrentStreams must be at least 2 (a held BOSH request "
                    + "and the next one), was " + maxConcurrentStreams);
        }
    }

    /** Starts from the defaults documented on each component. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts from these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder().tls(tls).cleartext(cleartext).maxConcurrentStreams(maxConcurrentStreams)
                .websocket(websocket);
    }

    /** Mutable staging for an {@link Http2Config}, named field by field; {@link #build()} validates. */
    public static final class Builder {
        private boolean tls = true;
        private boolean cleartext = false;
        private int maxConcurrentStreams = 128;
        private boolean websocket = true;

        private Builder() {
        }

        public Builder tls(boolean value) {
            tls = value;
            return this;
        }

        public Builder cleartext(boolean value) {
            cleartext = value;
            return this;
        }

        public Builder maxConcurrentStreams(int value) {
            maxConcurrentStreams = value;
            return this;
        }

        public Builder websocket(boolean value) {
            websocket = value;
            return this;
        }

        public Http2Config build() {
            return new Http2Config(tls, cleartext, maxConcurrentStreams, websocket);
        }
    }
}
