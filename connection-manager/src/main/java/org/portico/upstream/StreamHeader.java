package org.portico.upstream;

/**
 * The attributes a client asks the upstream {@code <stream:stream>} header to carry (RFC 6120 §4.7), taken from a
 * BOSH session request or restart (XEP-0206 §3, §5) or a WebSocket {@code <open/>} (RFC 7395 §3.4).
 *
 * @param to      the XMPP domain; required
 * @param from    the client's JID, when it gave one; may be null
 * @param lang    {@code xml:lang}; may be null
 * @param version the XMPP version, normally "1.0"; may be null
 */
public record StreamHeader(String to, String from, String lang, String version) {
    public StreamHeader {
        if (to == null || to.isBlank()) {
            throw new IllegalArgumentException("a stream header needs a 'to' domain");
        }
    }
}
