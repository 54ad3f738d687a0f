package org.portico.metrics;

import org.portico.session.SessionEnd;
import org.portico.upstream.UpstreamEnd;

/**
 * What Portico tells its operator about itself, as events in the spec's words and without a transport branch: the
 * code on a stanza's path calls these and knows nothing of Prometheus ({@link PrometheusMetrics} turns them into
 * series on the admin listener). Every method is a cheap, non-blocking, in-memory count that never calls back, so
 * a caller may make it while holding its session lock.
 *
 * <p>Each method does nothing by default: {@link #NONE} is what unit tests and an embedded Portico without the
 * admin listener get. Gauges (sessions live and paused, held requests, store size) are not events: they are read
 * from the state that owns them when a scrape asks ({@link SessionCensus}).
 */
public interface Metrics {

    /** Counts nothing. */
    Metrics NONE = new Metrics() {
    };

    /** An XMPP session (one upstream stream; a BOSH session with several streams has several) began. */
    default void sessionStarted(Transport transport) {
    }

    /** An XMPP session ended, for {@code cause} ({@link SessionEnd.Cause}). */
    default void sessionEnded(Transport transport, SessionEnd.Cause cause) {
    }

    /** An upstream stream was opened: connected, secured, and the server's header received. */
    default void upstreamConnected() {
    }

    /** An upstream stream ended before it ever opened (unknown host, refused connection, failed STARTTLS…). */
    default void upstreamFailed(UpstreamEnd.Reason cause) {
    }

    /** A session outlived a page reload or a lost connection, by {@code mechanism}. */
    default void reloadResumed(Reload mechanism) {
    }

    /**
     * Portico's own time on one client message ({@link Direction#IN}: a WebSocket message or a BOSH request body,
     * parsed and queued upstream) or one server stanza ({@link Direction#OUT}: from parsed to handed to the
     * client's transport), in nanoseconds of Portico's clock.
     */
    default void stanzaProcessed(Direction direction, long nanos) {
    }

    /** A WebSocket text message of {@code bytes} UTF-8 octets went in or out. */
    default void websocketMessage(Direction direction, long bytes) {
    }

    /** An HTTP exchange on the public listener completed with {@code status}, or failed ({@code failed}). */
    default void httpRequest(int status, boolean failed) {
    }

    /** A BOSH request for a session on another cluster node was forwarded to it, with this outcome. */
    default void forwarded(Forward outcome) {
    }

    /** A WebSocket resumption for a session on another cluster node was sent there ({@code see-other-uri}). */
    default void resumptionRedirected() {
    }

    /** How a BOSH request forwarded to its session's owner ended ({@code docs/cluster.md}). */
    enum Forward {
        /** The owner answered; its answer went to the client. */
        ANSWERED,
        /** The owner could not be reached or did not answer in time: the client got {@code item-not-found}. */
        FAILED
    }

    /** Which side of Portico a message crossed: from the client ({@code in}) or to it ({@code out}). */
    enum Direction {
        IN, OUT;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The two transports, as the {@code transport} label names them. */
    enum Transport {
        BOSH, WEBSOCKET;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How a session survived its client's reload (README, "Page reloads"). */
    enum Reload {
        /** A BOSH client paused the session (XEP-0124 §10) and came back. */
        BOSH_PAUSE("bosh_pause"),
        /** A BOSH client lost its held connection and continued with the session's sid and next rid. */
        BOSH_RESTORE("bosh_restore"),
        /** A WebSocket client resumed with Portico's resume token ({@code urn:portico:resume:0}). */
        RESUME_TOKEN("resume_token"),
        /** The server resumed an XEP-0198 stream ({@code <resumed xmlns='urn:xmpp:sm:3'/>} passed to the client). */
        XEP_0198("xep0198");

        private final String label;

        Reload(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }
}
