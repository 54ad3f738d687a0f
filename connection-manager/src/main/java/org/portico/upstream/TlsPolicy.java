package org.portico.upstream;

/**
 * Whether Portico secures its stream to an upstream server with STARTTLS (RFC 6120 §5) before relaying anything
 * to the client. Browsers cannot check this leg, so Portico does (XEP-0124 §19.2, R63).
 */
public enum TlsPolicy {
    /** STARTTLS must be offered and must succeed; otherwise the stream fails with CONNECTION_FAILED. */
    REQUIRED,
    /** STARTTLS is used when offered; a server that does not offer it is used in plain text. */
    OPTIONAL,
    /** STARTTLS is never attempted; the first features reach the session as the server sent them. */
    DISABLED
}
