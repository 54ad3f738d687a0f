package org.portico.store;

/**
 * Told once about every session that leaves the store, whatever the reason; in production it closes the session's
 * upstream stream and any request still held.
 *
 * <p>It runs on the store's callback executor, never inside Caffeine's map locks, so it may block and may call back
 * into the store. An exception it throws is logged in one line and otherwise ignored.
 *
 * @param <K> session id type
 * @param <V> session type
 */
@FunctionalInterface
public interface RemovalCallback<K, V> {

    void onRemoval(K key, V value, RemovalReason reason);
}
