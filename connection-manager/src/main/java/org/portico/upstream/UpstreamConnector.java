package org.portico.upstream;

/** Opens upstream streams: resolves the domain, connects, negotiates STARTTLS, then reports to the listener. */
public interface UpstreamConnector {

    /**
     * Starts connecting on a virtual thread and returns at once. Failures (unknown domain, refused connection,
     * TLS failure) are reported through {@link UpstreamListener#onClosed}.
     *
     * @param route the client's XEP-0124 {@code route} ("xmpp:host:port"), or null; honoured only when allowed
     */
    Upstream connect(StreamHeader header, String route, UpstreamListener listener);

    /**
     * As {@link #connect(StreamHeader, String, UpstreamListener)}, for a session whose client is at {@code client}
     * (its address after the trusted-proxy rule, or null), for connectors that tell the server (the PROXY protocol).
     */
    default Upstream connect(StreamHeader header, String route, String client, UpstreamListener listener) {
        return connect(header, route, listener);
    }
}
