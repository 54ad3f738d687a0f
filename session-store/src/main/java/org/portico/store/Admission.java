package org.portico.store;

/** The answer to {@link SessionStore#tryPut}: whether the session was stored, and if not, why. */
public enum Admission {
    /** The session is in the store now. */
    ADMITTED,
    /** The store holds {@link StoreConfig#maxSessions()} sessions already; nothing was evicted to make room. */
    FULL,
    /** A live session already has this key; it was left untouched. */
    DUPLICATE_KEY,
    /** The store has been closed. */
    CLOSED;

    /** Whether the session was stored. */
    public boolean admitted() {
        return this == ADMITTED;
    }
}
