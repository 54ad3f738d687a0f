package org.portico.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToLongFunction;

/**
 * Things due at a time on the monotonic clock, kept by the beat (a fixed period) their time falls in, so that a
 * periodic beat visits only the things due by then and the ones sharing their beat, never the whole set. The
 * transports' beats use it: BOSH for the waits of held requests, WebSocket for its sockets' pings and liveness.
 * Walking every entry on every beat was a third of the BOSH beat's time at 5,000 idle sessions, and the WebSocket
 * beat's largest cost after the pings' writes at 9,000 (docs/benchmarks.md). The {@link Beat} that works through
 * a schedule rests while it is empty, and an add to the empty schedule wakes it, so whoever adds need not know it.
 *
 * <p>An entry's time is given when it is added and must be given again to remove it; {@link #takeDueBefore} reads it
 * through a function for the entries of the beats it visits. Entries are told apart by their {@code equals}
 * and {@code hashCode}; an entry's time must not change while it is here.
 *
 * <p>Threads: any thread adds and removes; {@link #lock} guards {@link #byBeat} and is held only for those steps,
 * never while the caller acts on what is due.
 *
 * @param <T> what is due
 */
public final class BeatSchedule<T> {

    private final long beatNanos;
    private final ReentrantLock lock = new ReentrantLock();
    /** The entries by the beat their time falls in: time / beat, rounded down. */
    private final TreeMap<Long, Set<T>> byBeat = new TreeMap<>();
    /** What an add to the empty schedule runs: the wake of the beat working through it, if there is one. */
    private volatile Runnable filled = () -> { };

    public BeatSchedule(Duration beat) {
        if (beat.isNegative() || beat.isZero()) {
            throw new IllegalArgumentException("a beat must be positive: " + beat);
        }
        this.beatNanos = beat.toNanos();
    }

    /** The entry is due at {@code nanos}; when the schedule was empty, its {@link Beat} is woken after the lock. */
    public void add(T entry, long nanos) {
        long beat = beatOf(nanos);
        boolean wasEmpty;
        lock.lock();
        try {
            wasEmpty = byBeat.isEmpty();
            byBeat.computeIfAbsent(beat, b -> new HashSet<>()).add(entry);
        } finally {
            lock.unlock();
        }
        if (wasEmpty) {
            filled.run();
        }
    }

    /** Called by the schedule's {@link Beat}, once, before its thread starts. */
    void whenFilled(Runnable wake) {
        filled = wake;
    }

    /** The entry, added as due at {@code nanos}, no longer is; nothing happens when it is not here. */
    public void remove(T entry, long nanos) {
        long beat = beatOf(nanos);
        lock.lock();
        try {
            Set<T> entries = byBeat.get(beat);
            if (entries != null && entries.remove(entry) && entries.isEmpty()) {
                byBeat.remove(beat);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes and returns the entries due before {@code nanos}: every entry of an earlier beat, and of the beat
     * {@code nanos} falls in those whose time, read through {@code timeOf}, is before it.
     */
    public List<T> takeDueBefore(long nanos, ToLongFunction<? super T> timeOf) {
        List<T> due = new ArrayList<>();
        lock.lock();
        try {
            Iterator<Map.Entry<Long, Set<T>>> beats = byBeat.headMap(beatOf(nanos), true).entrySet().iterator();
            while (beats.hasNext()) {
                Set<T> entries = beats.next().getValue();
                entries.removeIf(entry -> timeOf.applyAsLong(entry) - nanos < 0 && due.add(entry));
                if (entries.isEmpty()) {
                    beats.remove();
                }
            }
        } finally {
            lock.unlock();
        }
        return due;
    }

    /** Whether nothing is kept. */
    public boolean isEmpty() {
        lock.lock();
        try {
            return byBeat.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** How many entries are kept. */
    public int size() {
        lock.lock();
        try {
            return byBeat.values().stream().mapToInt(Set::size).sum();
        } finally {
            lock.unlock();
        }
    }

    private long beatOf(long nanos) {
        return Math.floorDiv(nanos, beatNanos);
    }

    @Override
    public String toString() {
        return "BeatSchedule[" + size() + " entries, beat " + Duration.ofNanos(beatNanos) + "]";
    }
}
