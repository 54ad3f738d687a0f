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
}
