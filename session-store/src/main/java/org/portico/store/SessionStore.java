package org.portico.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy.VarExpiration;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Live and paused sessions by id, each with its own deadline, under a global maximum.
 *
 * <p>The connection manager moves a session's deadline as its state changes: {@link #expireAfter} with the inactivity
 * period while it idles or the pause / resumption grace period while paused, {@link #neverExpire} while a BOSH request
 * is held. When a deadline passes, the session is removed and the {@link RemovalCallback} told, promptly even if the
 * store is otherwise idle, because Caffeine asks the injected {@link Scheduler} to wake it. The report comes at most
 * one tick of Caffeine's timer wheel (2^30 ns, about 1.07 s) after the deadline, but from the deadline itself the
 * session is never returned, re-timed or counted against the maximum.
 *
 * <p>The maximum is admission control: when the store is full, {@link #tryPut} refuses the newcomer and no existing
 * session is evicted, because a user's live session must not end because someone else connected.
 *
 * <p>State and owners: Caffeine owns the map, every deadline and its timer wheel, and makes each change to one entry
 * atomic. {@code admitted} counts the sessions holding a slot; it is reserved by a compare-and-set before an insert and
 * released only inside Caffeine's atomic removal of that entry (the eviction listener for expiry, the remapping
 * function for explicit removal), so it never drifts from the map. {@code closed} is set once. The store holds no lock
 * of its own, and the callback runs on the callback executor after Caffeine has let go of the entry.
 *
 * <p>Caffeine's maintenance (draining its buffers, the timer wheel) runs on whichever thread changed the store, or
 * the scheduler's when it wakes the store: it is short and never calls out except to hand a removal to the callback
 * executor. Every moved deadline is a write to Caffeine, and a BOSH session moves its deadline several times per
 * message; maintenance on an asynchronous executor started a thread for almost every one (docs/benchmarks.md).
 *
 * @param <K> session id type (non-null)
 * @param <V> session type (non-null)
 */
public final class SessionStore<K, V> implements AutoCloseable {

    /** Longer than Caffeine's longest deadline (about 146 years), which it is capped to. */
    private static final Duration NEVER = Duration.ofNanos(Long.MAX_VALUE);

    private static final Logger LOG = LoggerFactory.getLogger(SessionStore.class);

    private final StoreConfig config;
    private final RemovalCallback<? super K, ? super V> callback;
    private final Executor callbackExecutor;
    private final ExecutorService ownedExecutor;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Cache<K, Slot<V>> cache;
    private final VarExpiration<K, Slot<V>> deadlines;

    /**
     * A store for tests or embedding, with every collaborator injected.
     *
     * @param ticker           the clock deadlines are measured on; tests advance a manual one
     * @param scheduler        wakes the store when the next deadline passes; {@link Scheduler#disabledScheduler()}
     *                         leaves expiry to store activity and {@link #cleanUp()}
     * @param callbackExecutor runs removal callbacks; the caller owns it. A same-thread executor
     *                         ({@code Runnable::run}) makes tests deterministic, but runs expiry callbacks under
     *                         Caffeine's eviction lock, so production passes an asynchronous one. Caffeine's own
     *                         maintenance runs on the thread that changed the store (see the class comment).
     * @param callback         told once about every session that leaves the store
     */
    public SessionStore(StoreConfig config, Ticker ticker, Scheduler scheduler, Executor callbackExecutor,
                        RemovalCallback<? super K, ? super V> callback) {
        this(config, ticker, scheduler, callbackExecutor, null, callback);
    }

    private SessionStore(StoreConfig config, Ticker ticker, Scheduler scheduler, Executor callbackExecutor,
                         ExecutorService ownedExecutor, RemovalCallback<? super K, ? super V> callback) {
        this.config = Objects.requireNonNull(config, "config");
        this.callback = Objects.requireNonNull(callback, "callback");
        this.callbackExecutor = Objects.requireNonNull(callbackExecutor, "callbackExecutor");
        this.ownedExecutor = ownedExecutor;
        this.cache = Caffeine.newBuilder()
                .ticker(Objects.requireNonNull(ticker, "ticker"))
                .scheduler(Objects.requireNonNull(scheduler, "scheduler"))
                // maintenance inline: an asynchronous executor took a thread hand-off for every deadline moved
                .executor(Runnable::run)
                .expireAfter(new ExplicitDeadlines<K, Slot<V>>())
                .evictionListener((K key, Slot<V> slot, RemovalCause cause) -> admitted.decrementAndGet())
                .removalListener((K key, Slot<V> slot, RemovalCause cause) -> notifyRemoval(key, slot, cause))
                .build();
        this.deadlines = cache.policy().expireVariably().orElseThrow();
    }

    /**
     * The production store: system ticker, system scheduler, and callbacks on virtual threads that {@link #close()}
     * waits for.
     */
    public static <K, V> SessionStore<K, V> create(StoreConfig config, RemovalCallback<? super K, ? super V> callback) {
        ExecutorService callbacks =
                Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("session-store-", 0).factory());
        return new SessionStore<>(config, Ticker.systemTicker(), Scheduler.systemScheduler(), callbacks, callbacks,
                callback);
    }

    /**
     * Stores a new session that expires after {@code expiry} unless its deadline is moved; from then on the callback
     * will hear of it exactly once. Refuses, changing nothing, if the store is closed, full, or a live session already
     * has this key ({@link Admission#FULL} is reported when both of the last two hold). A session whose deadline has
     * passed no longer holds a slot or its key.
     */
    public Admission tryPut(K key, V value, Duration expiry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        checked(expiry);
        if (closed.get()) {
            return Admission.CLOSED;
        }
        if (!reserveSlot()) {
            cache.cleanUp(); // sessions already past their deadline may still hold slots until maintenance runs
            if (!reserveSlot()) {
                return Admission.FULL;
            }
        }
        Slot<V> slot = new Slot<>(value);
        if (deadlines.putIfAbsent(key, slot, expiry) != null) {
            admitted.decrementAndGet();
            return Admission.DUPLICATE_KEY;
        }
        if (closed.get()) {
            // close() may have swept the map just before this insert: shut this session down too, so that, as for
            // every admitted session, the callback hears of it exactly once
            removeIf(key, slot, RemovalReason.SHUTDOWN);
        }
        return Admission.ADMITTED;
    }

    /** The live session with this key; empty if there is none or its deadline has passed. Leaves the deadline alone. */
    public Optional<V> get(K key) {
        Slot<V> slot = cache.getIfPresent(Objects.requireNonNull(key, "key"));
        return slot == null ? Optional.empty() : Optional.of(slot.value);
    }

    /**
     * Sets the session's deadline to {@code expiry} from now, replacing whatever it was (longer or shorter); zero
     * expires it at once.
     *
     * <p>Caffeine's {@code setExpiresAfter}, not a {@code compute} that maps the session to itself: a BOSH session
     * moves its deadline on each long-poll and each message, and the computation's machinery (a remapping function,
     * its context, the expiry of a replaced value) was most of what a move allocated (docs/benchmarks.md).
     * Either way Caffeine changes the deadline under the entry's lock and never revives one that has passed.
     *
     * @return false if there was no live session with this key when called
     */
    public boolean expireAfter(K key, Duration expiry) {
        Objects.requireNonNull(key, "key");
        checked(expiry);
        if (cache.policy().getIfPresentQuietly(key) == null) {
            return false;
        }
        deadlines.setExpiresAfter(key, expiry);
        return true;
    }

    /**
     * Keeps the session until its deadline is set again or it is removed, e.g. while a BOSH request is held.
     *
     * @return false if there is no live session with this key
     */
    public boolean neverExpire(K key) {
        return expireAfter(key, NEVER);
    }

    /**
     * Removes the session; the callback is told with {@link RemovalReason#REMOVED}.
     *
     * @return false if there was no live session with this key (one past its deadline is reported as expired instead)
     */
    public boolean remove(K key) {
        return removeIf(Objects.requireNonNull(key, "key"), null, RemovalReason.REMOVED);
    }

    /** Sessions holding a slot: the live ones, plus any past their deadline whose removal has not run yet. */
    public int size() {
        return admitted.get();
    }

    /** A copy of the live sessions by key, for diagnostics; sessions past their deadline are left out. */
    public Map<K, V> snapshot() {
        Map<K, V> copy = new HashMap<>();
        cache.asMap().forEach((key, slot) -> copy.put(key, slot.value));
        return Collections.unmodifiableMap(copy);
    }

    /** Runs pending maintenance now: removes sessions past their deadline and notifies the callback. */
    public void cleanUp() {
        cache.cleanUp();
    }

    /**
     * Refuses new sessions and removes every session, telling the callback with {@link RemovalReason#SHUTDOWN} (or
     * {@link RemovalReason#EXPIRED} for one already past its deadline). A store made by {@link #create} returns once
     * every callback has finished. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (K key : cache.asMap().keySet()) {
            removeIf(key, null, RemovalReason.SHUTDOWN);
        }
        cache.cleanUp();
        if (ownedExecutor != null) {
            ownedExecutor.close();
        }
    }

    @Override
    public String toString() {
        return "SessionStore[" + size() + "/" + config.maxSessions() + (closed.get() ? ", closed]" : "]");
    }

    private boolean reserveSlot() {
        int max = config.maxSessions();
        return admitted.getAndUpdate(n -> n < max ? n + 1 : n) < max;
    }

    /** Removes the key's entry, if it is {@code expected} or that is null, recording the reason for the callback. */
    private boolean removeIf(K key, Slot<V> expected, RemovalReason reason) {
        boolean[] removed = {false};
        cache.asMap().computeIfPresent(key, (k, slot) -> {
            if (expected != null && slot != expected) {
                return slot;
            }
            slot.explicitReason = reason;
            admitted.decrementAndGet();
            removed[0] = true;
            return null;
        });
        return removed[0];
    }

    /** Called by Caffeine, possibly under its eviction lock: hands the callback to the callback executor. */
    private void notifyRemoval(K key, Slot<V> slot, RemovalCause cause) {
        callbackExecutor.execute(() -> deliverRemoval(key, slot, cause));
    }

    private void deliverRemoval(K key, Slot<V> slot, RemovalCause cause) {
        // Expiry is the only eviction configured (no size bound, strong references), and the store never overwrites an
        // entry (it inserts only absent keys and re-times an entry with its own slot), so every other cause is an
        // explicit removal whose reason the remover recorded in the slot.
        RemovalReason reason = cause == RemovalCause.EXPIRED ? RemovalReason.EXPIRED : slot.explicitReason;
        String callerSid = MDC.get("sid"); // a same-thread executor runs this inside the caller's logging context
        MDC.put("sid", String.valueOf(key));
        try {
            callback.onRemoval(key, slot.value, reason);
        } catch (RuntimeException e) {
            LOG.warn("Removal callback failed for session {} ({}): {}", key, reason, e.toString());
        } finally {
            if (callerSid == null) {
                MDC.remove("sid");
            } else {
                MDC.put("sid", callerSid);
            }
        }
    }

    private static Duration checked(Duration expiry) {
        Objects.requireNonNull(expiry, "expiry");
        if (expiry.isNegative()) {
            throw new IllegalArgumentException("expiry must not be negative, was " + expiry);
        }
        return expiry;
    }

    /** A stored session and, once an explicit removal has begun, why; written inside the removing computation. */
    private static final class Slot<V> {
        final V value;
        volatile RemovalReason explicitReason = RemovalReason.REMOVED;

        Slot(V value) {
            this.value = value;
        }
    }

    /** Deadlines move only when the store says so: inserting or reading an entry leaves its deadline alone. */
    private static final class ExplicitDeadlines<K, V> implements Expiry<K, V> {
        @Override
        public long expireAfterCreate(K key, V value, long currentTime) {
            return Long.MAX_VALUE; // unreachable in practice: every insert passes its own duration
        }

        @Override
        public long expireAfterUpdate(K key, V value, long currentTime, long currentDuration) {
            return currentDuration;
        }

        @Override
        public long expireAfterRead(K key, V value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
