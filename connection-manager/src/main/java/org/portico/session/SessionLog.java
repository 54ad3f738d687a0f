package org.portico.session;

import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * One INFO or DEBUG line about a session, with its id in the MDC ({@code sid}) and the client's address
 * ({@code client}) when known, whichever thread writes it. Lines are session events, never stanza content (that goes
 * to the {@code portico.wire} logger at DEBUG).
 */
public final class SessionLog {

    /** MDC key of the session id. */
    public static final String SID = "sid";
    /** MDC key of the client's address. */
    public static final String CLIENT = "client";

    private final Logger log;
    private final String sid;
    private final String client;

    /** @param sid the session id, or null before there is one (a socket that has not opened a stream yet) */
    public SessionLog(Logger log, String sid, String client) {
        this.log = log;
        this.sid = sid;
        this.client = client;
    }

    /** The client's address these lines name, or null when unknown. */
    public String client() {
        return client;
    }

    public void info(String message, Object... arguments) {
        if (log.isInfoEnabled()) {
            withMdc(() -> log.info(message, arguments));
        }
    }

    public void debug(String message, Object... arguments) {
        if (log.isDebugEnabled()) {
            withMdc(() -> log.debug(message, arguments));
        }
    }

    /**
     * Runs {@code line} with this session's keys in the MDC, restoring what the thread had before. Threads started
     * inside inherit the keys where they copy the MDC (the upstream's reader and writer do).
     */
    public void withMdc(Runnable line) {
        String previousSid = MDC.get(SID);
        String previousClient = MDC.get(CLIENT);
        put();
        try {
            line.run();
        } finally {
            restore(previousSid, previousClient);
        }
    }

    private void put() {
        if (sid != null) {
            MDC.put(SID, sid);
        }
        if (client != null) {
            MDC.put(CLIENT, client);
        }
    }

    private static void restore(String sid, String client) {
        put(SID, sid);
        put(CLIENT, client);
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
