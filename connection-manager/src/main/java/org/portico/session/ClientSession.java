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
}
