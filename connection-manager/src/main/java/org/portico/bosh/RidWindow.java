package org.portico.bosh;

import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The request-id window of one BOSH session: what to do with each request's {@code rid} (XEP-0124 §14) and the
 * acknowledgements both ways (§9).
 *
 * <p>Pure: no I/O, no clock (the caller passes {@code nowMillis}), no lock of its own. Mutable, owned by the lock of
 * the BOSH session it belongs to; it returns a {@link Decision} that the session acts on after leaving the lock.
 *
 * <p>Everything turns on {@code diff = rid - lastInOrder}, where {@code lastInOrder} is the highest rid processed
 * with every lower rid processed too:
 * <ul>
 *   <li>{@code diff == 1}: the next rid, {@link Kind#PROCESS}; then drain {@link #nextDeferredReady()};</li>
 *   <li>{@code 1 < diff <= window}: early, {@link Kind#DEFER} until the gap is filled (R40, R41), or
 *       {@link Kind#DUPLICATE_DEFERRED} if it already is;</li>
 *   <li>{@code diff > window}: {@link Kind#REJECT}, terminal {@code item-not-found} (R41);</li>
 *   <li>{@code diff <= 0}: a repeat (§14.3): {@link Kind#HELD_REPEAT} while it is held (R44),
 *       {@link Kind#REPLAY} while its response is buffered (R43), {@link Kind#LATE} if it was given up
 *       ({@link #giveUpGap}), else {@link Kind#REJECT} (R46, the same answer as too high, so the window cannot be
 *       probed).</li>
 * </ul>
 * A rid is <em>held</em> from the moment it is processed until {@link #answered} or {@link #answeredUnbuffered}; the
 * creation request's rid starts out processed and held.
 *
 * <p>Acknowledgements are used both ways or not at all, as the client asked with {@code ack='1'} on the creation
 * request (R12, R18): responses carry {@link #ackAttributeFor}, and the client's {@code ack} on requests trims the
 * response buffer and may produce a {@link Report} (R28) once the missed response is older than
 * {@code reportAfterMillis}.
 */
public final class RidWindow {

    /** XEP-0124 §14.1 (R39): no rid ever exceeds 2^53−1. */
    public static final long MAX_RID = (1L << 53) - 1;

    /**
     * Default for {@code reportAfterMillis}: a response younger than this may still be on its way to the client.
     * Clients build a request while the previous response is in flight, or (jbosh, hence Smack) from inside the
     * callback for that response before noting it, so their {@code ack} lags by one for a few milliseconds; and
     * jbosh ends the session on a report for a response it already has. One second covers a slow round trip.
     */
    public static final long DEFAULT_REPORT_AFTER_MILLIS = 1000;

    /** What the session does with a request, by {@code diff = rid - lastInOrder} and what it knows of the rid. */
    public enum Kind {
        /** The next rid in order: forward its payloads now, then drain {@link #nextDeferredReady()} (R22, R40). */
        PROCESS,
        /** Early (a lower rid is missing): keep the request, unprocessed, until the gap is filled (R40). */
        DEFER,
        /** Already answered and still buffered: resend exactly {@link Decision#response()} with HTTP 200 (R43). */
        REPLAY,
        /**
         * Processed but not answered yet: answer the older connection at once with a recoverable
         * {@code type='error'} and hold this one in its place (R44).
         */
        HELD_REPEAT,
        /**
         * Already deferred: as {@link #HELD_REPEAT} for the stored request, which is answered with a recoverable
         * {@code type='error'} and replaced by this one (R44 applied to a rid not yet processed).
         */
        DUPLICATE_DEFERRED,
        /**
         * A rid given up as lost ({@link #giveUpGap}) that came after all: forward what it carries now, late, and
         * answer it at once; it is not held (the rids after it were processed without it).
         */
        LATE,
        /** Outside the window, or a repeat whose response is gone: terminal {@code item-not-found} (R41, R46). */
        REJECT;

        /** Whether the rid came before: the kinds the cap on repeats of R45 counts. */
        public boolean isRepeat() {
            return this == REPLAY || this == HELD_REPEAT || this == DUPLICATE_DEFERRED;
        }
    }

    /**
     * The decision on one request.
     *
     * @param kind     what to do
     * @param rid      the request's rid
     * @param response for {@link Kind#REPLAY}, the exact text to resend; otherwise null
     * @param repeats  for a repeat ({@link Kind#isRepeat()}), how often this rid came again, 1 the first time, for
     *                 the cap of R45 ({@link RequestLimits#checkRepeat}); otherwise 0
     */
    public record Decision(Kind kind, long rid, String response, int repeats) {
        static Decision of(Kind kind, long rid) {
            return new Decision(kind, rid, null, 0);
        }
    }

    /**
     * The {@code report} and {@code time} attributes for the next response (§9.2, R28): the response to
     * {@code reportRid} seems lost, and was sent {@code timeMillis} ago. The schema types {@code time} as
     * {@code unsignedShort}, so a caller may cap it at 65535.
     */
    public record Report(long reportRid, long timeMillis) {
    }

    /** A buffered response; {@code resent} once a repeat of its rid was given it (R43). */
    private record Sent(String response, long sentAtMillis, boolean resent) {
    }

    private final long initialRid;
    private final int window;
    private final boolean acks;
    private final int maxBuffered;
    private final long reportAfterMillis;

    private long lastInOrder;
    private final NavigableSet<Long> deferred = new TreeSet<>();
    /** Rids given up as lost by {@link #giveUpGap}, within {@code window} of {@code lastInOrder}. */
    private final NavigableSet<Long> givenUp = new TreeSet<>();
    private final NavigableSet<Long> held = new TreeSet<>();
    private final NavigableMap<Long, Sent> buffered = new TreeMap<>();
    /** How often each rid still in play came again (R45); forgotten with the rid. */
    private final Map<Long, Integer> repeats = new HashMap<>();
    private long lastAnswered;
    private long clientAck;

    /**
     * @param initialRid  the creation request's rid, processed and held from the start
     * @param window      how many rids above {@code lastInOrder} are accepted: the session's {@code requests}
     *                    (§14.2), or one more to admit the extra pause/terminate request of §11 out of order;
     *                    without acks it is also how many responses are buffered (R42)
     * @param acks        whether the client asked for acknowledgements ({@code ack='1'}, R12)
     * @param maxBuffered with acks, the most unacknowledged responses kept (R42 asks for all of them; this bounds a
     *                    client that never acks); at least {@code window}
     */
    public RidWindow(long initialRid, int window, boolean acks, int maxBuffered) {
        this(initialRid, window, acks, maxBuffered, DEFAULT_REPORT_AFTER_MILLIS);
    }

    /**
     * @param reportAfterMillis how old a missed response must be before a lagging {@code ack} reports it (§9.2:
     *                          "e.g., if some time has passed since it responded"); 0 reports at once
     * @see #RidWindow(long, int, boolean, int)
     */
    public RidWindow(long initialRid, int window, boolean acks, int maxBuffered, long reportAfterMillis) {
        if (initialRid < 1 || initialRid > MAX_RID) {
            throw new IllegalArgumentException("initial rid must be in 1.." + MAX_RID + " (XEP-0124 §14.1), got "
                    + initialRid);
        }
        if (window < 1) {
            throw new IllegalArgumentException("rid window must be at least 1, got " + window);
        }
        if (maxBuffered < window) {
            throw new IllegalArgumentException("maxBuffered (" + maxBuffered + ") must be at least the window ("
                    + window + ") so every response of the window can be resent");
        }
        if (reportAfterMillis < 0) {
            throw new IllegalArgumentException("reportAfterMillis must not be negative, got " + reportAfterMillis);
        }
        this.initialRid = initialRid;
        this.window = window;
        this.acks = acks;
        this.maxBuffered = maxBuffered;
        this.reportAfterMillis = reportAfterMillis;
        this.lastInOrder = initialRid;
        this.held.add(initialRid);
        this.lastAnswered = initialRid - 1;
        this.clientAck = initialRid - 1;
    }

    /** Decides what to do with a request carrying {@code rid}, and records that it arrived. */
    public Decision onRequest(long rid) {
        if (rid < 1 || rid > MAX_RID) {
            return Decision.of(Kind.REJECT, rid);
        }
        long diff = rid - lastInOrder;
        if (diff >= 1) {
            if (diff > window) {
                return Decision.of(Kind.REJECT, rid);
            }
            if (deferred.contains(rid)) {
                return new Decision(Kind.DUPLICATE_DEFERRED, rid, null, countRepeat(rid));
            }
            if (diff == 1) {
                lastInOrder = rid;
                held.add(rid);
                return Decision.of(Kind.PROCESS, rid);
            }
            deferred.add(rid);
            return Decision.of(Kind.DEFER, rid);
        }
        if (held.contains(rid)) {
            return new Decision(Kind.HELD_REPEAT, rid, null, countRepeat(rid));
        }
        Sent sent = buffered.get(rid);
        if (sent != null) {
            buffered.put(rid, new Sent(sent.response(), sent.sentAtMillis(), true));
            return new Decision(Kind.REPLAY, rid, sent.response(), countRepeat(rid));
        }
        boolean late = givenUp.remove(rid) && lastInOrder - rid < window;
        return Decision.of(late ? Kind.LATE : Kind.REJECT, rid);
    }

    private int countRepeat(long rid) {
        return repeats.merge(rid, 1, Integer::sum);
    }

    /**
     * After a {@link Kind#PROCESS}, the next deferred rid that is now in order, processed and held as of this
     * call: the caller processes the request it stored for it, and calls again until empty.
     */
    public OptionalLong nextDeferredReady() {
        if (deferred.isEmpty() || deferred.first() != lastInOrder + 1) {
            return OptionalLong.empty();
        }
        long rid = deferred.pollFirst();
        lastInOrder = rid;
        held.add(rid);
        return OptionalLong.of(rid);
    }

    /**
     * Gives up the rids missing below the lowest deferred one as lost (a request the client's browser cut off
     * never comes): the deferred rids from there on become ready in order ({@link #nextDeferredReady()}), and a
     * given-up rid that comes after all is {@link Kind#LATE}. Returns the given-up rids, first and last.
     *
     * @throws IllegalStateException if no deferred rid waits for a gap
     */
    public long[] giveUpGap() {
        if (deferred.isEmpty()) {
            throw new IllegalStateException("no deferred rid waits for a gap: " + this);
        }
        long first = lastInOrder + 1;
        long last = deferred.first() - 1;
        for (long rid = first; rid <= last; rid++) {
            givenUp.add(rid);
        }
        lastInOrder = last;
        givenUp.headSet(lastInOrder - window, true).clear();
        return new long[] {first, last};
    }

    /**
     * Forgets a deferred rid whose request was answered, unprocessed, with a recoverable {@code type='error'}
     * (its wait ran out before the gap was filled): the client will resend it (§17.3), and then it is deferred
     * again. Returns whether it was deferred.
     */
    public boolean dropDeferred(long rid) {
        boolean dropped = deferred.remove(rid);
        if (dropped) {
            repeats.remove(rid);
        }
        return dropped;
    }

    /**
     * Records the response sent for a held rid and buffers it for resending (R42, R43). Responses go out in rid
     * order (R24), so {@code rid} must be the oldest held one.
     *
     * @throws IllegalStateException if {@code rid} is not the oldest held rid
     */
    public void answered(long rid, String response, long nowMillis) {
        release(rid);
        buffered.put(rid, new Sent(response, nowMillis, false));
        trim();
    }

    /**
     * The response sent to {@code rid} never reached the client: unless a repeat of {@code rid} was already given it
     * (R43), in which case that repeat carries its payloads, it is replaced with {@code response}, so that a later
     * repeat does not carry payloads the caller queues again.
     *
     * @return whether the caller must queue the payloads again: false when a repeat was given them
     */
    public boolean replaceUndelivered(long rid, String response) {
        Sent sent = buffered.get(rid);
        if (sent == null) {
            return rid > clientAck; // no longer buffered; acknowledged means it did arrive after all
        }
        if (sent.resent()) {
            return false;
        }
        buffered.put(rid, new Sent(response, sent.sentAtMillis(), false));
        return true;
    }

    /**
     * Records a response that must not be resent: to a pause request, or an error (R42). A repeat of this rid is
     * then rejected with {@code item-not-found} (R46).
     *
     * @throws IllegalStateException if {@code rid} is not the oldest held rid
     */
    public void answeredUnbuffered(long rid) {
        release(rid);
        repeats.remove(rid);
    }

    private void release(long rid) {
        if (held.isEmpty() || held.first() != rid) {
            throw new IllegalStateException("rid " + rid + " answered but the oldest held rid is "
                    + (held.isEmpty() ? "none" : held.first()) + " (responses go out in rid order, XEP-0124 §8)");
        }
        held.pollFirst();
        lastAnswered = rid;
    }

    /**
     * Keeps the last {@code window} responses, and with acks also every older unacknowledged one, up to a bound. An
     * acknowledged response within the last {@code window} stays: a page that reloads abandons its requests, and a
     * copy the old page had already sent can reach Portico after the new page's requests moved on (§14.3). Resent,
     * it goes to a page that is gone; rejected, it would end the session the new page is using.
     */
    private void trim() {
        int limit = acks ? maxBuffered : window;
        while (buffered.size() > limit
                || acks && buffered.size() > window && buffered.firstKey() <= clientAck) {
            repeats.remove(buffered.pollFirstEntry().getKey());
        }
    }

    /**
     * The {@code ack} attribute for the response to {@code answeringRid} (§9.1, R27): with acks, the highest rid
     * received with every lower rid received; omitted when that is {@code answeringRid} itself, except on the
     * session creation response, which always carries the creation request's rid (§7.2, R18).
     */
    public OptionalLong ackAttributeFor(long answeringRid) {
        if (!acks) {
            return OptionalLong.empty();
        }
        if (answeringRid == initialRid) {
            return OptionalLong.of(initialRid);
        }
        return lastInOrder == answeringRid ? OptionalLong.empty() : OptionalLong.of(lastInOrder);
    }

    /**
     * The client's {@code ack} on a processed request (§9.2): trims the buffer (see {@link #trim}), and when a
     * response below the last one answered was missed, reports it (R28) if it can still be resent and was sent at
     * least {@code reportAfterMillis} ago (a younger one may still be on its way: the ack merely lags). Call it for
     * requests in processing order, not for repeats (they carry stale acks). When acks are in use and a request has
     * no {@code ack}, the client has every response below its rid: pass {@code rid - 1}. Ignored without acks.
     */
    public Optional<Report> onClientAck(long ack, long nowMillis) {
        if (!acks) {
            return Optional.empty();
        }
        long acknowledged = Math.min(ack, lastAnswered);
        if (acknowledged > clientAck) {
            clientAck = acknowledged;
            trim();
        }
        // an ack below one already received is stale (a copy sent before the later ones): nothing is missing
        if (ack < lastAnswered && ack >= clientAck) {
            Sent missed = buffered.get(ack + 1);
            long age = missed == null ? 0 : Math.max(0, nowMillis - missed.sentAtMillis());
            if (missed != null && age >= reportAfterMillis) {
                return Optional.of(new Report(ack + 1, age));
            }
        }
        return Optional.empty();
    }

    /** The highest rid processed with every lower rid processed. */
    public long lastInOrder() {
        return lastInOrder;
    }

    /** The oldest rid processed and not answered: the next response goes to it (R24). */
    public OptionalLong oldestHeld() {
        return held.isEmpty() ? OptionalLong.empty() : OptionalLong.of(held.first());
    }

    public int heldCount() {
        return held.size();
    }

    /** Requests received and not answered, held or deferred: the count §11 limits (R33). */
    public int unansweredCount() {
        return held.size() + deferred.size();
    }

    public boolean acks() {
        return acks;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("RidWindow[last=").append(lastInOrder);
        s.append(" deferred=").append(list(deferred));
        s.append(" held=").append(list(held));
        if (!givenUp.isEmpty()) {
            s.append(" givenUp=").append(list(givenUp));
        }
        s.append(" buffered=");
        if (buffered.isEmpty()) {
            s.append("none");
        } else {
            s.append(buffered.firstKey()).append("..").append(buffered.lastKey());
        }
        if (acks) {
            s.append(" ack=").append(clientAck);
        }
        return s.append(']').toString();
    }

    private static String list(NavigableSet<Long> rids) {
        StringBuilder s = new StringBuilder("[");
        for (Long rid : rids) {
            s.append(s.length() > 1 ? "," : "").append(rid);
        }
        return s.append(']').toString();
    }
}
