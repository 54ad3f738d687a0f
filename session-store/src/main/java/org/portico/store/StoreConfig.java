package org.portico.store;

/**
 * Limits of the session store.
 *
 * @param maxSessions most sessions held at once, live and paused together ({@code int}, default 10000). When the store
 *                    is full a new session is refused; no existing session is evicted to make room, so one user's
 *                    connection can never silently end another's.
 */
public record StoreConfig(int maxSessions) {

    /** Ten thousand sessions: each costs an upstream socket, so this is about what one process should carry. */
    public static final StoreConfig DEFAULT = new StoreConfig(10_000);

    public StoreConfig {
        if (maxSessions <= 0) {
            throw new IllegalArgumentException("store.maxSessions must be positive, was " + maxSessions);
        }
    }
}
