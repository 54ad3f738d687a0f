package org.portico.session;

/**
 * A session as the session store holds it, whatever its transport: the store tells it when its time ran out or
 * when Portico stops, and it ends its XMPP session accordingly.
 */
public interface ClientSession {

    /** The store's key for this session: a BOSH sid or a WebSocket resumption id. */
    String id();

    /** Its inactivity, pause or resumption period ran out; close the upstream so the server marks it offline. */
    void expired();

    /** Portico is stopping. */
    void shutdown();

    /** Where the session stands, for the operator's gauges and the drain; takes the session lock briefly. */
    Standing standing();

    /**
     * Portico is stopping and its clients should continue at another Portico whose base URL ({@code http.
     * shutdownRedirect}, e.g. {@code https://chat2.example}) is given: each transport names its own endpoint there
     * (BOSH {@code see-other-uri} with {@code <uri/>}, XEP-0124 §17.2; WebSocket {@code <close see-other-uri/>},
     * RFC 7395 §3.6.1). A transport without a redirect just shuts down.
     */
    default void redirect(String baseUrl) {
        shutdown();
    }

    /** A session's standing as an operator sees it, whatever its transport's own states. */
    enum Standing {
        /** Its client is attached, or between two requests. */
        LIVE,
        /** Its client paused it or lost its socket, and may resume it (BOSH pause, WebSocket resumption). */
        PAUSED,
        /** It ended and its client has not been told yet (a BOSH client learns it with its next request). */
        ENDING,
        /** It ended and its client was told, or can no longer be. */
        ENDED
    }
}
