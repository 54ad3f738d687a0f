package org.portico.websocket;

import java.time.Duration;
import org.portico.xml.XmlLimits;

/**
 * The WebSocket transport (RFC 7395), keys {@code websocket.*} in {@code conf/portico.properties}.
 *
 * @param enabled             whether the endpoint is served and advertised in host-meta; default true
 * @param path                where the endpoint is served; default {@code /xmpp-websocket}
 * @param maxMessageBytes     largest text message a client may send; default {@code xml.maxBytes}
 * @param maxFrameBytes       largest single WebSocket frame a client may send, at most maxMessageBytes; default
 *                            {@code xml.maxBytes}
 * @param pingInterval        how long a connection may be quiet in either direction before Portico sends a
 *                            WebSocket ping ({@link Heartbeat}); zero sends none; default 50 s, under the
 *                            60 s idle timeout of common reverse proxies and load balancers (nginx, AWS ALB) and
 *                            near ejabberd's 60 s. Each ping and its pong cost a wake-up or two on an otherwise idle
 *                            server: at 25 s they were three fifths of the CPU of 9,000 idle sockets
 *                            (docs/benchmarks.md). Pings go out on the transport's beat (every second, or every
 *                            pingInterval when shorter), so up to a beat late
 * @param idleTimeout         a peer from which nothing (not even a pong) arrived for this long is dead and its
 *                            socket is dropped, on the next beat; with pings off too; default 75 s, which gives a
 *                            pong 25 s to come back on a slow mobile link
 * @param permessageDeflate   whether a client's offer of the permessage-deflate extension (RFC 7692) is accepted;
 *                            default false. Every browser offers it, and a socket that takes it keeps a compressor
 *                            and a decompressor with their 32 KiB windows for its whole life (Jetty hands them back
 *                            only at the close): 130–150 KiB more resident memory per socket once a message has
 *                            gone each way, five times what an idle session costs otherwise, and 30–40 µs of CPU
 *                            per message (docs/benchmarks.md). XMPP messages are small, the stream is
 *                            compressed as one context (attacker-chosen text beside secrets, as with the TLS and
 *                            stream compression XEP-0206 does not recommend), and neither Prosody's nor ejabberd's
 *                            WebSocket endpoint accepts it
 * @param resumeGrace         how long a session whose socket dropped without {@code <close/>} stays resumable
 *                            (upstream kept open, stanzas buffered); zero ends such sessions at once; default 120 s
 * @param maxBufferedElements most elements kept for replay to a resuming client; default 1000
 * @param maxBufferedBytes    most UTF-8 bytes of elements kept for replay; default 1 MiB. While a session is
 *                            paused, more than either limit arriving ends it (undelivered stanzas are bounced)
 * @param maxQueuedFrames     most frames queued for a client that does not read before its socket is dropped;
 *                            default 1000
 * @param redirectToBosh      whether every new WebSocket is sent to the BOSH endpoint instead, with
 *                            {@code <close see-other-uri/>} (RFC 7395 §3.6.1); default false
 * @param inputBufferBytes    Jetty's read buffer for each WebSocket connection, which is also the starting size
 *                            of the builder every text message is decoded into; default 1024 (Jetty's is 4096).
 *                            XMPP messages are mostly a few hundred bytes, and each one started a 4 kB builder
 *                            (docs/benchmarks.md); larger messages are read in several passes
 * @param framesOnSelector    whether a socket's frames are read and relayed on Jetty's selector thread instead of
 *                            a thread per read, once the session is bound or, on a single Portico, from the
 *                            first; plain HTTP/1.1 sockets only; default true
 *                            ({@link org.portico.http.SelectorReadEndPoint})
 */
public record WebSocketConfig(boolean enabled, String path, int maxMessageBytes, int maxFrameBytes,
        Duration pingInterval, Duration idleTimeout, boolean permessageDeflate, Duration resumeGrace,
        int maxBufferedElements, int maxBufferedBytes, int maxQueuedFrames, boolean redirectToBosh,
        int inputBufferBytes, boolean framesOnSelector) {

    public static final WebSocketConfig DEFAULT = builder().build();

    public WebSocketConfig {
        if (path == null || !path.startsWith("/") || path.length() < 2) {
            throw new IllegalArgumentException("websocket.path must start with / and name a path, was '" + path + "'");
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("websocket.maxMessageBytes must be at least 1024, was "
                    + maxMessageBytes);
        }
        if (maxFrameBytes < 1024 || maxFrameBytes > maxMessageBytes) {
            throw new IllegalArgumentException("websocket.maxFrameBytes must be between 1024 and "
                    + "websocket.maxMessageBytes (" + maxMessageBytes + "), was " + maxFrameBytes);
        }
        requireNonNegative("websocket.pingInterval", pingInterval);
        requireNonNegative("websocket.resumeGrace", resumeGrace);
        if (idleTimeout == null || idleTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("websocket.idleTimeout must be at least 1s, was " + idleTimeout);
        }
        if (!pingInterval.isZero() && pingInterval.compareTo(idleTimeout) >= 0) {
            throw new IllegalArgumentException("websocket.pingInterval (" + pingInterval
                    + ") must be shorter than websocket.idleTimeout (" + idleTimeout + ")");
        }
        if (maxBufferedElements < 1) {
            throw new IllegalArgumentException("websocket.maxBufferedElements must be positive, was "
                    + maxBufferedElements);
        }
        if (maxBufferedBytes < 1024) {
            throw new IllegalArgumentException("websocket.maxBufferedBytes must be at least 1024, was "
                    + maxBufferedBytes);
        }
        if (inputBufferBytes < 256) {
            throw new IllegalArgumentException("websocket.inputBufferBytes must be at least 256, was "
                    + inputBufferBytes);
        }
        if (maxQueuedFrames < 16) {
            throw new IllegalArgumentException("websocket.maxQueuedFrames must be at least 16, was "
                    + maxQueuedFrames);
        }
    }

    /** Starts from the defaults documented on each component. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts from this configuration. */
    public Builder toBuilder() {
        return new Builder().enabled(enabled).path(path).maxMessageBytes(maxMessageBytes).maxFrameBytes(maxFrameBytes)
                .pingInterval(pingInterval).idleTimeout(idleTimeout).permessageDeflate(permessageDeflate)
                .resumeGrace(resumeGrace).maxBufferedElements(maxBufferedElements).maxBufferedBytes(maxBufferedBytes)
                .maxQueuedFrames(maxQueuedFrames).redirectToBosh(redirectToBosh).inputBufferBytes(inputBufferBytes)
                .framesOnSelector(framesOnSelector);
    }

    public WebSocketConfig withPing(Duration interval, Duration idle) {
        return toBuilder().pingInterval(interval).idleTimeout(idle).build();
    }

    public WebSocketConfig withResumeGrace(Duration grace) {
        return toBuilder().resumeGrace(grace).build();
    }

    public WebSocketConfig withBuffer(int elements, int bytes) {
        return toBuilder().maxBufferedElements(elements).maxBufferedBytes(bytes).build();
    }

    public WebSocketConfig withRedirectToBosh(boolean redirect) {
        return toBuilder().redirectToBosh(redirect).build();
    }

    /** The URL of this endpoint at another Portico's {@code baseUrl}: http becomes ws, https becomes wss. */
    public String urlAt(String baseUrl) {
        return baseUrl.replaceFirst("^http", "ws").replaceAll("/+$", "") + path;
    }

    /** Whether a dropped socket leaves its session resumable at all. */
    public boolean resumable() {
        return !resumeGrace.isZero();
    }

    private static void requireNonNegative(String key, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(key + " must be zero or positive, was " + value);
        }
    }

    /**
     * Mutable staging for a {@link WebSocketConfig}, named setters instead of twelve positional arguments; its field
     * initialisers are the documented defaults, and {@link #build()} validates.
     */
    public static final class Builder {
        private boolean enabled = true;
        private String path = "/xmpp-websocket";
        private int maxMessageBytes = XmlLimits.DEFAULT.maxBytes();
        private int maxFrameBytes = XmlLimits.DEFAULT.maxBytes();
        private Duration pingInterval = Duration.ofSeconds(50);
        private Duration idleTimeout = Duration.ofSeconds(75);
        private boolean permessageDeflate = false;
        private Duration resumeGrace = Duration.ofSeconds(120);
        private int maxBufferedElements = 1000;
        private int maxBufferedBytes = 1024 * 1024;
        private int maxQueuedFrames = 1000;
        private boolean redirectToBosh;
        private int inputBufferBytes = 1024;
        private boolean framesOnSelector = true;

        private Builder() {
        }

        public Builder enabled(boolean on) {
            this.enabled = on;
            return this;
        }

        public Builder path(String path) {
            this.path = path;
            return this;
        }

        public Builder maxMessageBytes(int bytes) {
            this.maxMessageBytes = bytes;
            return this;
        }

        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = bytes;
            return this;
        }

        public Builder pingInterval(Duration interval) {
            this.pingInterval = interval;
            return this;
        }

        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return this;
        }

        public Builder permessageDeflate(boolean on) {
            this.permessageDeflate = on;
            return this;
        }

        public Builder resumeGrace(Duration grace) {
            this.resumeGrace = grace;
            return this;
        }

        public Builder maxBufferedElements(int elements) {
            this.maxBufferedElements = elements;
            return this;
        }

        public Builder maxBufferedBytes(int bytes) {
            this.maxBufferedBytes = bytes;
            return this;
        }

        public Builder maxQueuedFrames(int frames) {
            this.maxQueuedFrames = frames;
            return this;
        }

        public Builder redirectToBosh(boolean on) {
            this.redirectToBosh = on;
            return this;
        }

        public Builder inputBufferBytes(int bytes) {
            this.inputBufferBytes = bytes;
            return this;
        }

        public Builder framesOnSelector(boolean on) {
            this.framesOnSelector = on;
            return this;
        }

        public WebSocketConfig build() {
            return new WebSocketConfig(enabled, path, maxMessageBytes, maxFrameBytes, pingInterval, idleTimeout,
                    permessageDeflate, resumeGrace, maxBufferedElements, maxBufferedBytes, maxQueuedFrames,
                    redirectToBosh, inputBufferBytes, framesOnSelector);
        }
    }
}
