package org.portico.bosh;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.List;
import org.portico.session.Beat;
import org.portico.session.BeatSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The waits of all held BOSH requests (XEP-0124 §7, R25), kept by one beat instead of a timer per request. Every
 * {@link #BEAT} one thread answers the held requests whose wait ends before the next beat, one after the other on
 * that thread, since an answer never waits ({@link BoshExchange#respond}): never later than {@code wait}, at most a
 * beat earlier, which the XEP allows (the connection manager must not wait longer than {@code wait}; an earlier
 * empty answer only brings the client's next request forward).
 *
 * <p>Why: with sessions idle, answering expired long-polls is most of what BOSH does (300 a second at 9,000
 * sessions with {@code wait=30}). A timer per request woke a thread for each, and each answer and the client's next
 * request then woke Jetty's selector on their own; answered in bursts, the writes and the next requests are taken
 * together (docs/benchmarks.md).
 *
 * <p>The held requests are kept by the beat their wait ends in ({@link BeatSchedule}), so a beat visits only the
 * requests that are due (and those of the one beat it ends in). While none is held the beat's thread rests
 * ({@link Beat}), so a Portico without BOSH sessions does not wake it.
 *
 * <p>Threads: requests are held and released by any thread and {@link #due} runs on the beat's one thread (or in
 * tests without it); the schedule guards itself and is never locked while a request is answered.
 */
final class HeldRequestWaits implements AutoCloseable {

    /** How often the beat runs: a held request is answered up to this much before its wait ends. */
    static final Duration BEAT = Duration.ofMillis(500);

    private static final Logger log = LoggerFactory.getLogger(HeldRequestWaits.class);

    /** One held request's wait, as the beat sees it. */
    interface Waiting {
        /** When its wait ends, on the clock's nanoseconds; it does not change while the request is held. */
        long deadline();

        /** The wait ended: answer it without waiting. Called at most once, on the beat's thread, unless released. */
        void expired();
    }

    private final Ticker clock;
    private final long beatNanos;
    /** The held requests by their deadlines. */
    private final BeatSchedule<Waiting> held;
    /** The beat's thread once started, guarded by {@code this}; it rests while nothing is held. */
    private Beat beat;

    HeldRequestWaits(Ticker clock, Duration beat) {
        this.clock = clock;
        this.beatNanos = beat.toNanos();
        this.held = new BeatSchedule<>(beat);
    }

    /** Starts the beat's thread; without it, only {@link #due} decides. */
    synchronized void start() {
        if (beat == null) {
            beat = new Beat("bosh-waits", held, Duration.ofNanos(beatNanos), this::answerDue);
        }
    }

    /** Now, on the clock deadlines are read on. */
    long now() {
        return clock.read();
    }

    void hold(Waiting request) {
        held.add(request, request.deadline());
    }

    /** The request was answered or its client left: its wait no longer matters. */
    void release(Waiting request) {
        held.remove(request, request.deadline());
    }

    /** The held requests whose wait ends before the next beat, no longer held here: they are answered now. */
    List<Waiting> due(long now) {
        return held.takeDueBefore(now + beatNanos, Waiting::deadline);
    }

    private void answerDue() {
        for (Waiting request : due(clock.read())) {
            expire(request);
        }
    }

    /** One request's answer: its failure is logged and the beat goes on to the next. */
    private static void expire(Waiting request) {
        try {
            request.expired();
        } catch (RuntimeException e) {
            log.warn("answering an expired BOSH wait failed", e);
        }
    }

    @Override
    public synchronized void close() {
        if (beat != null) {
            beat.close();
        }
    }

    @Override
    public String toString() {
        return "HeldRequestWaits[" + held.size() + " held, beat " + Duration.ofNanos(beatNanos) + "]";
    }
}
