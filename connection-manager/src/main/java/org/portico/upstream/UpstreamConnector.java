package org.portico.upstream;

/** Opens upstream streams: resolves the domain, connects, negotiates STARTTLS, then reports to the listener. */
public interface UpstreamConnector {

    /**
     * Starts connecting on a virtual thread and returns at once. Failures (unknown domain, refused connection,
     * TLS failure) are reported through {@link UpstreamListener#onClosed}.
     *
     * <p>This is the one method to implement: a connector that wraps another passes {@code client} on, so the
     * PROXY protocol (which tells the server the client's address) works through any number of wrappers.
     *
     * @param route  the client's XEP-0124 {@code route} ("xmpp:host:port"), or null; honoured only when allowed
     * @param client the session's client address after the trusted-proxy rule, or null when not known
     */
    Upstream connect(StreamHeader header, String route, String client, UpstreamListener listener);

    /** As {@link #connect(StreamHeader, String, String, UpstreamListener)}, for a client whose address is unknown. */
    default Upstream connect(StreamHeader header, String route, UpstreamListener listener) {
        return connect(header, route, null, listener);
    }
}
