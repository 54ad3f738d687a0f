package org.portico.store;

/**
 * Why a session left the store; handed to the {@link RemovalCallback}. Caffeine's other causes cannot occur: the store
 * sets no size bound and holds entries strongly (no SIZE or COLLECTED), and never overwrites an entry (no REPLACED).
 */
public enum RemovalReason {
    /** Its deadline passed: inactivity while idle, or the end of a pause or resumption grace period. */
    EXPIRED,
    /** The connection manager removed it explicitly with {@link SessionStore#remove}, e.g. on terminate. */
    REMOVED,
    /** The store was closed while the session was in it: the process is shutting down. */
    SHUTDOWN
}
