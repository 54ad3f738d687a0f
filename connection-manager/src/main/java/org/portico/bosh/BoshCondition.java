package org.portico.bosh;

import java.util.Optional;

/**
 * The terminal binding conditions of XEP-0124 §17.2 (R56), sent as {@code <body type='terminate' condition='…'/>}.
 *
 * <p>§17.1 (R54, R55): a <em>legacy</em> client, one whose session creation request had no {@code ver}, gets a
 * deprecated HTTP error instead of the terminal body, but only for the three conditions marked with an asterisk in
 * §17.2: {@code bad-request} (400), {@code policy-violation} (403) and {@code item-not-found} (404). §17.1 notes
 * that "no other HTTP error and status codes were defined in the early versions of BOSH (e.g., Internal Server
 * Error)", so every other condition reaches legacy clients too as a terminal body in an HTTP 200, as it does for
 * everyone else.
 */
public enum BoshCondition {
    BAD_REQUEST("bad-request", 400),
    HOST_GONE("host-gone", 200),
    HOST_UNKNOWN("host-unknown", 200),
    /** The creation request lacks {@code to} or {@code route} and the connection manager needs one. */
    IMPROPER_ADDRESSING("improper-addressing", 200),
    INTERNAL_SERVER_ERROR("internal-server-error", 200),
    /** Bad sid, stream, rid outside the window, response no longer buffered, or a broken key sequence. */
    ITEM_NOT_FOUND("item-not-found", 404),
    OTHER_REQUEST("other-request", 200),
    /** Polling or requesting too often, too many simultaneous requests, too many repeats of one rid. */
    POLICY_VIOLATION("policy-violation", 403),
    /** The upstream server cannot be reached or secured, or the connection to it was lost. */
    REMOTE_CONNECTION_FAILED("remote-connection-failed", 200),
    /** An upstream stream error; XEP-0206 §6 puts a copy of {@code <stream:error/>} in the body (R57). */
    REMOTE_STREAM_ERROR("remote-stream-error", 200),
    /** The body carries a {@code <uri/>} child naming where the client should POST instead. */
    SEE_OTHER_URI("see-other-uri", 200),
    SYSTEM_SHUTDOWN("system-shutdown", 200),
    UNDEFINED_CONDITION("undefined-condition", 200);

    private final String wireName;
    private final int legacyHttpStatus;

    BoshCondition(String wireName, int legacyHttpStatus) {
        this.wireName = wireName;
        this.legacyHttpStatus = legacyHttpStatus;
    }

    /** The value of the {@code condition} attribute. */
    public String wireName() {
        return wireName;
    }

    /**
     * The HTTP status a legacy client (no {@code ver}) gets: 400, 403 or 404 with no terminal body for the three
     * conditions §17.1 maps, otherwise 200 with the terminal body.
     */
    public int legacyHttpStatus() {
        return legacyHttpStatus;
    }

    /** Whether a legacy client gets a bare HTTP error instead of the terminal body (§17.1, R54). */
    public boolean hasLegacyHttpError() {
        return legacyHttpStatus != 200;
    }

    /** The status to answer with: 200 for every client that sent {@code ver}, {@link #legacyHttpStatus} otherwise. */
    public int httpStatus(boolean legacyClient) {
        return legacyClient ? legacyHttpStatus : 200;
    }

    /** The condition a client reported (§17.2 ends "the client MAY report binding errors"), if it is one of ours. */
    public static Optional<BoshCondition> fromWireName(String wireName) {
        for (BoshCondition condition : values()) {
            if (condition.wireName.equals(wireName)) {
                return Optional.of(condition);
            }
        }
        return Optional.empty();
    }
}
