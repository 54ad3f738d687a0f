package org.portico.bosh;

import java.time.Duration;

/**
 * The overactivity and polling rules of XEP-0124 §11–§12, and the cap on repeats of one rid (§14.3): whether a
 * request is allowed or ends the session with {@link BoshCondition#POLICY_VIOLATION}.
 *
 * <p>Pure: the caller passes {@code nowMillis}. Mutable (it remembers the previous new request and whether the last
 * response carried payloads), owned by the lock of the BOSH session it belongs to. Only <em>new</em> requests (rids
 * the {@link RidWindow} processed or deferred) go through {@link #check}; repeats go through {@link #checkRepeat}.
 */
public final class RequestLimits {

    /** {@link #ALLOW}, or which rule the request broke (each a terminal {@code policy-violation}). */
    public enum Verdict {
        ALLOW,
        /** §11 ¶2 (R33): more than {@code requests} unanswered (one more to pause or terminate). */
        TOO_MANY_SIMULTANEOUS,
        /**
         * §11 ¶4 (R34): {@code requests} unanswered, the last an empty poll inside {@code polling}; not in polling
         * sessions, where {@link #POLLING_TOO_FREQUENT} takes its place.
         */
        TOO_FREQUENT,
        /** §12 ¶3 (R37): two empty polls inside {@code polling}, the first answered without payloads. */
        POLLING_TOO_FREQUENT,
        /** §14.3 (R45): one rid repeated more often than allowed. */
        TOO_MANY_REPEATS;

        public boolean allowed() {
            return this == ALLOW;
        }
    }

    private final int requests;
    private final boolean pollingSession;
    private final long pollingMillis;
    private final int maxRidRepeats;
    private boolean seenRequest;
    private long previousAtMillis;
    private boolean previousEmpty;
    private boolean lastResponseEmpty;

    /**
     * @param requests      the advertised {@code requests}; 0 when not advertised, and then any number of
     *                      simultaneous requests is allowed (§11, R35)
     * @param hold          the session's {@code hold}; 0 makes it a polling session (§12)
     * @param polling       the advertised {@code polling}; {@link Duration#ZERO} when not advertised, and then any
     *                      frequency is allowed (§11, §12, R35)
     * @param maxRidRepeats how often one rid may come again before the session ends (R45); 0 for no cap
     */
    public RequestLimits(int requests, int hold, Duration polling, int maxRidRepeats) {
        if (requests < 0) {
            throw new IllegalArgumentException("requests must be 0 (not advertised) or positive, was " + requests);
        }
        if (hold < 0) {
            throw new IllegalArgumentException("hold must not be negative, was " + hold);
        }
        if (polling == null || polling.isNegative()) {
            throw new IllegalArgumentException("polling must be zero (not advertised) or positive, was " + polling);
        }
        if (maxRidRepeats < 0) {
            throw new IllegalArgumentException("maxRidRepeats must be 0 (no cap) or positive, was " + maxRidRepeats);
        }
        this.requests = requests;
        this.pollingSession = hold == 0;
        this.pollingMillis = polling.toMillis();
        this.maxRidRepeats = maxRidRepeats;
    }

    /**
     * Records a new request without judging it: the session creation request, which starts the count of §11 and
     * §12. It is treated as empty.
     */
    public void requestArrived(long nowMillis) {
        record(nowMillis, true);
    }

    /**
     * Judges a new request (an incremented rid) and records it as the previous one for the next check.
     *
     * @param unanswered       requests received and not answered, this one included
     *                         ({@link RidWindow#unansweredCount()} after {@link RidWindow#onRequest})
     * @param pauseOrTerminate it, or a later rid already received and waiting for it (§14.2), carries {@code pause}
     *                         or {@code type='terminate'}: the client's sequence ends with §11's one extra request
     * @param empty            its body has no payloads
     * @param nowMillis        when it arrived
     */
    public Verdict check(int unanswered, boolean pauseOrTerminate, boolean empty, long nowMillis) {
        boolean soon = seenRequest && pollingMillis > 0 && nowMillis - previousAtMillis < pollingMillis;
        boolean emptyPoll = empty && !pauseOrTerminate;
        Verdict verdict = Verdict.ALLOW;
        if (requests > 0 && unanswered > requests + (pauseOrTerminate ? 1 : 0)) {
            verdict = Verdict.TOO_MANY_SIMULTANEOUS;
        } else if (pollingSession) {
            // §11 ¶4 ends "the behavior for Polling Sessions is slightly different": §12 replaces it there.
            if (emptyPoll && previousEmpty && lastResponseEmpty && soon) {
                verdict = Verdict.POLLING_TOO_FREQUENT;
            }
        } else if (requests > 0 && unanswered == requests && emptyPoll && soon) {
            verdict = Verdict.TOO_FREQUENT;
        }
        record(nowMillis, empty);
        return verdict;
    }

    private void record(long nowMillis, boolean empty) {
        seenRequest = true;
        previousAtMillis = nowMillis;
        previousEmpty = empty;
    }

    /**
     * Records whether the response just sent carried payloads. In a polling session every request is answered
     * before the next one arrives, so this is the response to the previous request that §12 asks about.
     */
    public void responded(boolean hadPayloads) {
        lastResponseEmpty = !hadPayloads;
    }

    /** Judges the {@code repeats}-th repeat of one rid ({@link RidWindow.Decision#repeats()}, R45). */
    public Verdict checkRepeat(int repeats) {
        return maxRidRepeats > 0 && repeats > maxRidRepeats ? Verdict.TOO_MANY_REPEATS : Verdict.ALLOW;
    }

    @Override
    public String toString() {
        return "RequestLimits[requests=" + requests + " polling=" + pollingMillis + "ms"
                + (pollingSession ? " polling-session" : "") + " maxRidRepeats=" + maxRidRepeats
                + (seenRequest ? " previousAt=" + previousAtMillis + (previousEmpty ? " empty" : "") : "")
                + (lastResponseEmpty ? " lastResponseEmpty" : "") + "]";
    }
}
