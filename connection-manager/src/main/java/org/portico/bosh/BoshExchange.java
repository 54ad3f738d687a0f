package org.portico.bosh;

/**
 * One held HTTP request, as the session sees it: something that can be answered once. The servlet implements it
 * over an {@code AsyncContext}; tests implement it with a recorder.
 */
public interface BoshExchange {

    /**
     * Sends the response and completes the request; later calls do nothing. Never called under a session lock.
     *
     * @param status      HTTP status: 200, or a legacy error code (R54) for clients without {@code ver}
     * @param contentType the session's {@code content} (R13), or null for the transport's default
     * @param body        the {@code <body/>} text, empty for a legacy HTTP error
     */
    void respond(int status, String contentType, String body);

    /**
     * The session holds this request for at most {@code wait}; when that runs out unanswered, the transport runs
     * {@code expired} (which answers it). Called by the thread that delivered the request, before it returns.
     */
    void holdFor(java.time.Duration wait, Runnable expired);
}
