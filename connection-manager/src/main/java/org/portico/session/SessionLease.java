package org.portico.session;

import java.time.Duration;
import org.portico.store.SessionStore;

/**
 * A session's deadline in the session store, seen through the session's own key: the one way both transports
 * change it. Called only after the session lock is released (the store runs removal callbacks that take it).
 */
public interface SessionLease {

    /** The client is attached (a BOSH request held, a WebSocket open): the session cannot expire. */
    void busy();

    /** The client is away (no request held, a pause, a dropped socket): the session ends after this long. */
    void idleFor(Duration duration);

    /** The session is over: forget it now. */
    void end();

    /** The lease of {@code id} in {@code store}. */
    static SessionLease of(SessionStore<String, ClientSession> store, String id) {
        return new SessionLease() {
            @Override
            public void busy() {
                store.neverExpire(id);
            }

            @Override
            public void idleFor(Duration duration) {
                store.expireAfter(id, duration);
            }

            @Override
            public void end() {
                store.remove(id);
            }
        };
    }
}
