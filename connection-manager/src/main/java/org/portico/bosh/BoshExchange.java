package org.portico.bosh;

import java.time.Duration;

/**
 * One held HTTP request, as the session sees it: something that can be answered once, without waiting.
 * {@link BoshHttpExchange} implements it over Jetty's request, response and callback; tests with a recorder.
 */
public interface BoshExchange {

    /**
     * Stands for a request whose client has gone for good: answers to it go nowhere. An early pause request is filed
     * with it once answered (§10), so that the pause still takes effect in rid order (§14.2).
     */
    BoshExchange DEPARTED = new BoshExchange() {
        @Override
        public void respond(int status, String contentType, String body, Outcome outcome) {
            outcome.delivered(false);
        }

        @Override
        public void relay(int status, String contentType, String body) {
        }

        @Override
        public void holdFor(Duration wait, Listener listener) {
        }

        @Override
        public String toString() {
            return "BoshExchange.DEPARTED";
        }
    };

    /**
     * Sends the response and completes the request; later calls do nothing. Never waits for the network and is never
     * called under a session lock.
     *
     * @param status      HTTP status: 200, or a legacy error code (R54) for clients without {@code ver}
     * @param contentType the session's {@code content} (R13), or null for the transport's default
     * @param body        the {@code <body/>} text, empty for a legacy HTTP error
     * @param outcome     told once whether the response reached the connection: false when the request was already
     *                    answered, its client closed the connection first, or the write failed, so the caller can
     *                    keep what it carried; on this thread when the socket took the response at once, else on
     *                    the thread that finished or failed the write
     */
    void respond(int status, String contentType, String body, Outcome outcome);

    /** As {@link #respond(int, String, String, Outcome)}, for an answer whose delivery changes nothing. */
    default void respond(int status, String contentType, String body) {
        respond(status, contentType, body, Outcome.IGNORED);
    }

    /**
     * Sends an answer that the session's owner on another cluster node wrote for this request, as it came: for an
     * XEP-0252 request that is already script syntax, which {@link #respond} would encode a second time.
     */
    void relay(int status, String contentType, String body);

    /**
     * The session holds this request for at most {@code wait}. Called by the thread that delivered the request,
     * before it returns; the transport then calls exactly one of the listener's methods unless the request is
     * answered first.
     */
    void holdFor(Duration wait, Listener listener);

    /** Names the session this request belongs to, for the {@code sid} of its lines on the wire log. */
    default void forSession(String sid) {
    }

    /** The client's address as this request shows it, for log lines; null when unknown. */
    default String clientAddress() {
        return null;
    }

    /** Whether an answer reached the connection (see {@link #respond(int, String, String, Outcome)}). */
    @FunctionalInterface
    interface Outcome {
        /** For answers whose delivery changes nothing. */
        Outcome IGNORED = delivered -> {
        };

        void delivered(boolean reached);
    }

    /** What the transport tells the session about a request it holds. */
    interface Listener {
        /** The wait ran out unanswered (R25); the session answers it. */
        void waitExpired();

        /**
         * The client closed (FIN or RST) the connection that carries the request: an answer would go nowhere. The
         * session treats the request as never held, so what arrives next waits for the client's next request.
         */
        void connectionLost();

        /** A listener that runs {@code waitExpired} and {@code connectionLost} for the two events. */
        static Listener of(Runnable waitExpired, Runnable connectionLost) {
            return new Listener() {
                @Override
                public void waitExpired() {
                    waitExpired.run();
                }

                @Override
                public void connectionLost() {
                    connectionLost.run();
                }
            };
        }
    }
}
