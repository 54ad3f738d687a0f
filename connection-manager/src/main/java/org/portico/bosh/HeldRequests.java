package org.portico.bosh;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The requests a BOSH session has in hand, by rid: the {@link RidWindow}'s decisions with the item (request and
 * exchange) each processed or deferred rid belongs to. The one record of which requests are held and which wait for
 * a gap (§14.2); nothing else keeps a copy.
 *
 * <p>Pure, no I/O; owned by the lock of the {@link BoshSession} it belongs to.
 *
 * @param <T> what the session keeps for a request
 */
final class HeldRequests<T> {

    /**
     * A request's decision and where its item went.
     *
     * @param decision  the window's decision
     * @param displaced for {@link RidWindow.Kind#HELD_REPEAT} and {@link RidWindow.Kind#DUPLICATE_DEFERRED}, the
     *                  older item of that rid, replaced by this one (R44); otherwise null
     */
    record Arrival<T>(RidWindow.Decision decision, T displaced) {
    }

    private final RidWindow window;
    /** What is kept of an item once it is processed: a held request may wait a whole {@code wait} (§7). */
    private final UnaryOperator<T> keptWhileHeld;
    private final NavigableMap<Long, T> held = new TreeMap<>();
    private final NavigableMap<Long, T> deferred = new TreeMap<>();

    /** The creation request starts out processed and held (§7.1). */
    HeldRequests(RidWindow window, long creationRid, T creation, UnaryOperator<T> keptWhileHeld) {
        this.window = window;
        this.keptWhileHeld = keptWhileHeld;
        held.put(creationRid, keptWhileHeld.apply(creation));
    }

    RidWindow window() {
        return window;
    }

    /**
     * Decides on a request and files its item: held (what {@code keptWhileHeld} keeps of it) when processed now,
     * whole when deferred, replacing a repeat.
     */
    Arrival<T> arrive(long rid, T item) {
        RidWindow.Decision decision = window.onRequest(rid);
        T displaced = switch (decision.kind()) {
            case PROCESS, HELD_REPEAT -> held.put(rid, keptWhileHeld.apply(item));
            case DEFER -> deferred.put(rid, item);
            case DUPLICATE_DEFERRED -> deferred.put(rid, item);
            case REPLAY, LATE, REJECT -> null;
        };
        return new Arrival<>(decision, displaced);
    }

    /** After a request was processed: the next deferred one now in order, processed and held as of this call. */
    Optional<T> nextReady() {
        OptionalLong rid = window.nextDeferredReady();
        if (rid.isEmpty()) {
            return Optional.empty();
        }
        T item = deferred.remove(rid.getAsLong());
        held.put(rid.getAsLong(), keptWhileHeld.apply(item));
        return Optional.of(item);
    }

    /** Whether an item that {@code which} picks waits for its turn. */
    boolean defers(Predicate<T> which) {
        for (T item : deferred.values()) {
            if (which.test(item)) {
                return true;
            }
        }
        return false;
    }

    /** How many items, held or deferred, {@code which} picks; asked on every request processed, so no streams. */
    int count(Predicate<T> which) {
        int count = 0;
        for (T item : held.values()) {
            count += which.test(item) ? 1 : 0;
        }
        for (T item : deferred.values()) {
            count += which.test(item) ? 1 : 0;
        }
        return count;
    }

    int heldCount() {
        return held.size();
    }

    /** The oldest held rid (the next response goes to it, R24), or empty. */
    Optional<Map.Entry<Long, T>> oldest() {
        return Optional.ofNullable(held.firstEntry());
    }

    /** Whether an item that {@code which} picks is held (processed, not answered). */
    boolean holds(Predicate<T> which) {
        return heldRid(which).isPresent();
    }

    /** The rid of the held item that {@code which} picks, or empty when none is held. */
    OptionalLong heldRid(Predicate<T> which) {
        for (Map.Entry<Long, T> entry : held.entrySet()) {
            if (which.test(entry.getValue())) {
                return OptionalLong.of(entry.getKey());
            }
        }
        return OptionalLong.empty();
    }

    /** Records the response to the oldest held rid (buffered for resending, R43) and lets its item go. */
    T answerOldest(String response, long nowMillis) {
        Map.Entry<Long, T> oldest = held.pollFirstEntry();
        window.answered(oldest.getKey(), response, nowMillis);
        return oldest.getValue();
    }

    /** As {@link #answerOldest}, for a response that must not be resent (a pause's, R42). */
    T answerOldestUnbuffered() {
        Map.Entry<Long, T> oldest = held.pollFirstEntry();
        window.answeredUnbuffered(oldest.getKey());
        return oldest.getValue();
    }

    /**
     * Forgets the deferred item that {@code which} picks (its wait ran out, or its client left) so its rid is judged
     * afresh when resent (§17.3). Returns whether there was one.
     */
    boolean dropDeferred(Predicate<T> which) {
        for (Map.Entry<Long, T> entry : deferred.entrySet()) {
            if (which.test(entry.getValue())) {
                deferred.remove(entry.getKey());
                window.dropDeferred(entry.getKey());
                return true;
            }
        }
        return false;
    }

    /** Puts {@code item} in place of the deferred item of {@code rid}, which still waits for its turn. */
    void replaceDeferred(long rid, T item) {
        if (deferred.replace(rid, item) == null) {
            throw new IllegalStateException("rid " + rid + " is not deferred");
        }
    }

    /** Everything in hand when the session ends: held items in rid order, then deferred ones. */
    record Remaining<T>(List<T> held, List<T> deferred) {
    }

    /** The session ended: hands over every item; none remain. */
    Remaining<T> takeAll() {
        Remaining<T> all = new Remaining<>(new ArrayList<>(held.values()), new ArrayList<>(deferred.values()));
        held.clear();
        deferred.clear();
        return all;
    }

    @Override
    public String toString() {
        return "held=" + held.size() + " deferred=" + deferred.size() + " " + window;
    }
}
