package org.portico.session;

/**
 * Whether clients may start new sessions here. Open while Portico serves; the drain closes it for good before it
 * tells the existing sessions to leave, so that no session starts behind its back. A closed gate names where new
 * sessions go instead ({@code http.shutdownRedirect}), or nothing, and each transport answers in its own words: BOSH
 * {@code see-other-uri} or {@code system-shutdown} (XEP-0124 §17.2), WebSocket {@code <close see-other-uri/>}
 * (RFC 7395 §3.6.1) or the {@code system-shutdown} stream error.
 *
 * <p>Written once, by the drain; read by the transports' request threads. The redirect is set before the flag that
 * publishes it.
 */
public final class SessionGate {

    private volatile String redirect = "";
    private volatile boolean closed;

    /** Whether a client may start a session now. */
    public boolean isOpen() {
        return !closed;
    }

    /** Where new sessions go once the gate is closed: another Portico's base URL, or empty to refuse them. */
    public String redirect() {
        return redirect;
    }

    /**
     * Lets no new session in from now on.
     *
     * @param redirectBaseUrl the base URL of another Portico (e.g. {@code https://chat2.example}), or empty
     */
    public void close(String redirectBaseUrl) {
        redirect = redirectBaseUrl;
        closed = true;
    }

    @Override
    public String toString() {
        return "SessionGate[" + (closed ? "closed" + (redirect.isEmpty() ? "" : " -> " + redirect) : "open") + "]";
    }
}
