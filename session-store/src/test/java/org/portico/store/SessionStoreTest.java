package org.portico.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.portico.store.testing.ManualScheduler;
import org.portico.store.testing.ManualTicker;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The session store as the connection manager relies on it: inactivity and pause deadlines (XEP-0124 §10, R29, R31),
 * WebSocket sessions kept for resumption per policy (RFC 7395 §3.6, R91, R96), a maximum that never evicts, and one
 * callback per session that leaves. Time is a {@link ManualTicker}; nothing sleeps.
 */
class SessionStoreTest {

    private record Removal(String key, String value, RemovalReason reason) {
    }

    /**
     * Caffeine's timer wheel works in buckets of 2^30 ns (about 1.07 s): a session is invisible from its deadline on,
     * but its removal is reported at the end of the bucket the deadline falls in.
     */
    private static final Duration TIMER_WHEEL_TICK = Duration.ofNanos(1L << 30);

    private final ManualTicker ticker = new ManualTicker();
    private final List<Removal> removals = new CopyOnWriteArrayList<>();

    /** Same-thread callbacks and no scheduler: expiry happens on store activity or {@link SessionStore#cleanUp()}. */
    private SessionStore<String, String> store(int maxSessions) {
        return new SessionStore<>(new StoreConfig(maxSessions), ticker, Scheduler.disabledScheduler(), Runnable::run,
                this::record);
    }

    private void record(String key, String value, RemovalReason reason) {
        removals.add(new Removal(key, value, reason));
    }

    private void advanceAndCleanUp(SessionStore<?, ?> store, Duration amount) {
        ticker.advance(amount);
        store.cleanUp();
    }

    static Stream<Duration> deadlines() {
        return Stream.of(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deadlines")
    void sessionIsGoneExactlyAtItsDeadlineAndReportedWithinATick(Duration deadline) { // R29
        SessionStore<String, String> store = store(10);
        assertEquals(Admission.ADMITTED, store.tryPut("sid", "session", deadline));

        advanceAndCleanUp(store, deadline.minusNanos(1));
        assertEquals(Optional.of("session"), store.get("sid"));
        assertEquals(List.of(), removals, "reported before the deadline");

        ticker.advance(Duration.ofNanos(1));
        assertEquals(Optional.empty(), store.get("sid"));

        advanceAndCleanUp(store, TIMER_WHEEL_TICK);
        assertEquals(List.of(new Removal("sid", "session", RemovalReason.EXPIRED)), removals);
        assertEquals(0, store.size());
    }

    static Stream<Arguments> movedDeadlines() {
        return Stream.of(
                // initial deadline, when it is moved, new deadline from then: the session expires at moment + new
                Arguments.of("inactivity reset by a new request", Duration.ofSeconds(30), Duration.ofSeconds(20),
                        Duration.ofSeconds(30)),
                Arguments.of("pause raises inactivity (R31)", Duration.ofSeconds(30), Duration.ofSeconds(10),
                        Duration.ofMinutes(2)),
                Arguments.of("pause shorter than inactivity shortens it (R31)", Duration.ofMinutes(1),
                        Duration.ofSeconds(5), Duration.ofSeconds(10)),
                Arguments.of("dropped WebSocket kept for resumption (R91)", Duration.ofDays(365), Duration.ofHours(1),
                        Duration.ofMinutes(5)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("movedDeadlines")
    void movingTheDeadlineReplacesTheOldOne(String situation, Duration initial, Duration movedAt,
                                            Duration newDeadline) {
        SessionStore<String, String> store = store(10);
        store.tryPut("sid", "session", initial);
        advanceAndCleanUp(store, movedAt);
        assertTrue(store.expireAfter("sid", newDeadline));

        advanceAndCleanUp(store, newDeadline.minusNanos(1));
        assertEquals(Optional.of("session"), store.get("sid"), "expired before the new deadline");
        assertEquals(List.of(), removals, "reported before the new deadline");
        ticker.advance(Duration.ofNanos(1));
        assertEquals(Optional.empty(), store.get("sid"), "outlived the new deadline");
        advanceAndCleanUp(store, TIMER_WHEEL_TICK);
        assertEquals(List.of(new Removal("sid", "session", RemovalReason.EXPIRED)), removals);
    }

    @Test
    void movingADeadlineNeverNotifiesTheCallback() {
        SessionStore<String, String> store = store(10);
        store.tryPut("sid", "session", Duration.ofSeconds(30));
        store.expireAfter("sid", Duration.ofSeconds(60));
        store.neverExpire("sid");
        store.expireAfter("sid", Duration.ofSeconds(5));
        assertEquals(List.of(), removals);
        assertEquals(1, store.size());
    }

    @Test
    void heldRequestKeepsTheSessionIndefinitelyUntilTheDeadlineIsSetAgain() { // R29: only idle time counts
        SessionStore<String, String> store = store(10);
        store.tryPut("sid", "session", Duration.ofSeconds(30));
        assertTrue(store.neverExpire("sid"));

        advanceAndCleanUp(store, Duration.ofDays(365 * 100));
        assertEquals(Optional.of("session"), store.get("sid"));

        store.expireAfter("sid", Duration.ofSeconds(30));
        advanceAndCleanUp(store, Duration.ofSeconds(30).plus(TIMER_WHEEL_TICK));
        assertEquals(List.of(new Removal("sid", "session", RemovalReason.EXPIRED)), removals);
    }

    @Test
    void zeroDeadlineExpiresAtOnce() {
        SessionStore<String, String> store = store(10);
        store.tryPut("sid", "session", Duration.ofSeconds(30));
        assertTrue(store.expireAfter("sid", Duration.ZERO));
        assertEquals(Optional.empty(), store.get("sid"));
    }

    @Test
    void deadlineTooFarToCountInNanosecondsIsSimplyFar() {
        SessionStore<String, String> store = store(10);
        assertEquals(Admission.ADMITTED, store.tryPut("sid", "session", ChronoUnit.FOREVER.getDuration()));
        advanceAndCleanUp(store, Duration.ofDays(365 * 100));
        assertEquals(Optional.of("session"), store.get("sid"));
    }

    @Test
    void sessionPastItsDeadlineIsGoneBeforeAnyCleanUpRuns() {
        SessionStore<String, String> store = store(10);
        store.tryPut("sid", "session", Duration.ofSeconds(30));
        ticker.advance(Duration.ofSeconds(30));

        assertEquals(Optional.empty(), store.get("sid"));
        assertEquals(Map.of(), store.snapshot());
        assertFalse(store.expireAfter("sid", Duration.ofMinutes(5)), "an expired session must not be revived");
        assertFalse(store.remove("sid"));
        assertEquals(List.of(new Removal("sid", "session", RemovalReason.EXPIRED)), removals);
        assertEquals(0, store.size());
    }

    @Test
    void removeEndsTheSessionAndTellsTheCallbackItWasRemoved() {
        SessionStore<String, String> store = store(10);
        store.tryPut("a", "session a", Duration.ofSeconds(30));
        store.tryPut("b", "session b", Duration.ofSeconds(30));

        assertTrue(store.remove("a"));
        assertFalse(store.remove("a"), "removed twice");
        assertFalse(store.remove("never stored"));

        assertEquals(List.of(new Removal("a", "session a", RemovalReason.REMOVED)), removals);
        assertEquals(Optional.empty(), store.get("a"));
        assertEquals(Map.of("b", "session b"), store.snapshot());
        assertEquals(1, store.size());
    }

    @Test
    void closeShutsEverySessionDownAndRefusesNewOnes() {
        SessionStore<String, String> store = store(10);
        store.tryPut("a", "session a", Duration.ofSeconds(30));
        store.tryPut("b", "session b", Duration.ofSeconds(30));

        store.close();

        assertEquals(Set.of(new Removal("a", "session a", RemovalReason.SHUTDOWN),
                new Removal("b", "session b", RemovalReason.SHUTDOWN)), Set.copyOf(removals));
        assertEquals(2, removals.size());
        assertEquals(0, store.size());
        assertEquals(Admission.CLOSED, store.tryPut("c", "session c", Duration.ofSeconds(30)));
        assertEquals(Optional.empty(), store.get("a"));
        store.close();
        assertEquals(2, removals.size(), "a second close must not notify again");
    }

    @Test
    void closeReportsASessionAlreadyPastItsDeadlineAsExpired() {
        SessionStore<String, String> store = store(10);
        store.tryPut("a", "session a", Duration.ofSeconds(10));
        store.tryPut("b", "session b", Duration.ofSeconds(30));
        ticker.advance(Duration.ofSeconds(10));

        store.close();

        assertEquals(Set.of(new Removal("a", "session a", RemovalReason.EXPIRED),
                new Removal("b", "session b", RemovalReason.SHUTDOWN)), Set.copyOf(removals));
        assertEquals(2, removals.size());
    }

    @Test
    void fullStoreRefusesNewcomersAndKeepsEveryExistingSession() {
        SessionStore<String, String> store = store(2);
        store.tryPut("a", "session a", Duration.ofSeconds(30));
        store.tryPut("b", "session b", Duration.ofSeconds(30));

        assertEquals(Admission.FULL, store.tryPut("c", "session c", Duration.ofSeconds(30)));

        assertEquals(Map.of("a", "session a", "b", "session b"), store.snapshot());
        assertEquals(List.of(), removals);
        assertEquals(2, store.size());

        store.remove("a");
        assertEquals(Admission.ADMITTED, store.tryPut("c", "session c", Duration.ofSeconds(30)));
        assertEquals(Map.of("b", "session b", "c", "session c"), store.snapshot());
    }

    @Test
    void sessionPastItsDeadlineFreesItsSlotEvenBeforeCleanUp() {
        SessionStore<String, String> store = store(1);
        store.tryPut("a", "session a", Duration.ofSeconds(10));
        ticker.advance(Duration.ofSeconds(10));

        assertEquals(Admission.ADMITTED, store.tryPut("b", "session b", Duration.ofSeconds(10)));
        assertEquals(List.of(new Removal("a", "session a", RemovalReason.EXPIRED)), removals);
        assertEquals(1, store.size());
    }

    @Test
    void duplicateKeyIsRefusedAndTheExistingSessionIsUntouched() {
        SessionStore<String, String> store = store(10);
        store.tryPut("sid", "first", Duration.ofSeconds(30));

        assertEquals(Admission.DUPLICATE_KEY, store.tryPut("sid", "second", Duration.ofMinutes(5)));

        assertEquals(Optional.of("first"), store.get("sid"));
        assertEquals(1, store.size());
        assertEquals(List.of(), removals);
        ticker.advance(Duration.ofSeconds(30));
        assertEquals(Optional.empty(), store.get("sid"), "the refused put must not move the deadline");
    }

    @Test
    void keyOfASessionPastItsDeadlineCanBeReused() {
        SessionStore<String, String> store = store(10);
        store.tryPut("sid", "first", Duration.ofSeconds(30));
        ticker.advance(Duration.ofSeconds(30));

        assertEquals(Admission.ADMITTED, store.tryPut("sid", "second", Duration.ofSeconds(30)));
        assertEquals(Optional.of("second"), store.get("sid"));
        assertEquals(List.of(new Removal("sid", "first", RemovalReason.EXPIRED)), removals);
        assertEquals(1, store.size());
    }

    /** A callback's failure is one WARN line naming the session and why it left, and the store goes on. */
    @Test
    void callbackThatThrowsDoesNotBreakTheStore() {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger storeLogger = (Logger) LoggerFactory.getLogger(SessionStore.class);
        log.start();
        storeLogger.addAppender(log);
        try {
            storeSurvivesCallbacksThatThrow();
        } finally {
            storeLogger.detachAppender(log);
        }
        assertEquals(List.of(
                "WARN Removal callback failed for session a (REMOVED): " + CALLBACK_FAILURE,
                "WARN Removal callback failed for session b (EXPIRED): " + CALLBACK_FAILURE,
                "WARN Removal callback failed for session c (SHUTDOWN): " + CALLBACK_FAILURE,
                "WARN Removal callback failed for session d (SHUTDOWN): " + CALLBACK_FAILURE),
                log.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).sorted().toList());
    }

    private static final String CALLBACK_FAILURE = "java.lang.IllegalStateException: upstream already closed";

    private void storeSurvivesCallbacksThatThrow() {
        List<String> notified = new ArrayList<>();
        SessionStore<String, String> store = new SessionStore<>(new StoreConfig(2), ticker,
                Scheduler.disabledScheduler(), Runnable::run, (key, value, reason) -> {
                    notified.add(key);
                    throw new IllegalStateException("upstream already closed");
                });
        store.tryPut("a", "session a", Duration.ofSeconds(10));
        store.tryPut("b", "session b", Duration.ofSeconds(30));

        assertTrue(store.remove("a"));
        advanceAndCleanUp(store, Duration.ofSeconds(30).plus(TIMER_WHEEL_TICK));
        assertEquals(List.of("a", "b"), notified);
        assertEquals(0, store.size());

        assertEquals(Admission.ADMITTED, store.tryPut("c", "session c", Duration.ofSeconds(10)));
        assertEquals(Admission.ADMITTED, store.tryPut("d", "session d", Duration.ofSeconds(10)));
        store.close();
        assertEquals(Set.of("a", "b", "c", "d"), Set.copyOf(notified));
        assertEquals(4, notified.size());
    }

    @Test
    void callbackSeesTheSessionIdInTheLoggingContext() { // DEVELOPERS.md: session id in the MDC as sid
        List<String> sids = new ArrayList<>();
        SessionStore<String, String> store = new SessionStore<>(new StoreConfig(10), ticker,
                Scheduler.disabledScheduler(), Runnable::run, (key, value, reason) -> sids.add(MDC.get("sid")));
        store.tryPut("3f2a", "session", Duration.ofSeconds(30));
        store.tryPut("77c1", "session", Duration.ofSeconds(30));

        store.remove("3f2a");
        assertNull(MDC.get("sid"), "the caller's logging context must be restored after the callback");
        MDC.put("sid", "caller");
        try {
            store.remove("77c1");
            assertEquals("caller", MDC.get("sid"), "the caller's logging context must be restored after the callback");
        } finally {
            MDC.remove("sid");
        }
        assertEquals(List.of("3f2a", "77c1"), sids);
    }

    @Test
    void callbackRunsOnTheCallbackExecutorNotInTheCallerOfRemove() {
        ConcurrentLinkedQueue<Runnable> queued = new ConcurrentLinkedQueue<>();
        SessionStore<String, String> store = new SessionStore<>(new StoreConfig(10), ticker,
                Scheduler.disabledScheduler(), queued::add, this::record);
        store.tryPut("sid", "session", Duration.ofSeconds(30));

        store.remove("sid");
        assertEquals(List.of(), removals);

        for (Runnable task = queued.poll(); task != null; task = queued.poll()) {
            task.run();
        }
        assertEquals(List.of(new Removal("sid", "session", RemovalReason.REMOVED)), removals);
    }

    @Test
    void movingDeadlinesHandsNoWorkToTheCallbackExecutor() { // a BOSH session moves its deadline on every request
        ConcurrentLinkedQueue<Runnable> queued = new ConcurrentLinkedQueue<>();
        SessionStore<String, String> store = new SessionStore<>(new StoreConfig(10), ticker,
                Scheduler.disabledScheduler(), queued::add, this::record);
        store.tryPut("sid", "session", Duration.ofSeconds(30));

        for (int request = 0; request < 100; request++) {
            store.neverExpire("sid");
            store.expireAfter("sid", Duration.ofSeconds(30));
        }

        assertEquals(List.of(), List.copyOf(queued), "only removals go to the callback executor");
        assertEquals(Optional.of("session"), store.get("sid"));
    }

    @Test
    void idleStoreReportsAnExpiredSessionWhenTheSchedulerWakesIt() {
        ManualScheduler scheduler = new ManualScheduler(ticker);
        SessionStore<String, String> store = new SessionStore<>(new StoreConfig(10), ticker, scheduler,
                Runnable::run, this::record);
        Duration deadline = Duration.ofSeconds(30);
        store.tryPut("sid", "session", deadline);

        // nothing touches the store from here on: only the scheduler's wake-ups can report the expiry
        Duration reportedAt = wakeUpsUntilARemoval(scheduler);

        assertEquals(List.of(new Removal("sid", "session", RemovalReason.EXPIRED)), removals);
        assertTrue(reportedAt.compareTo(deadline) >= 0, "reported before the deadline, at " + reportedAt);
        assertTrue(reportedAt.compareTo(deadline.plus(TIMER_WHEEL_TICK)) <= 0, "reported late, at " + reportedAt);
        assertEquals(0, store.size());
    }

    @Test
    void shortenedDeadlineBringsTheWakeUpForward() { // R31: a pause shorter than the inactivity period
        ManualScheduler scheduler = new ManualScheduler(ticker);
        SessionStore<String, String> store = new SessionStore<>(new StoreConfig(10), ticker, scheduler,
                Runnable::run, this::record);
        store.tryPut("sid", "session", Duration.ofMinutes(5));
        Duration deadline = Duration.ofSeconds(10);
        store.expireAfter("sid", deadline);

        Duration reportedAt = wakeUpsUntilARemoval(scheduler);

        assertEquals(List.of(new Removal("sid", "session", RemovalReason.EXPIRED)), removals);
        assertTrue(reportedAt.compareTo(deadline) >= 0, "reported before the deadline, at " + reportedAt);
        assertTrue(reportedAt.compareTo(deadline.plus(TIMER_WHEEL_TICK)) <= 0, "reported late, at " + reportedAt);
    }

    @Test
    void concurrentNewcomersNeverPushTheStorePastItsMaximum() throws Exception {
        int maxSessions = 50;
        int threads = 4;
        int attemptsPerThread = 200;
        SessionStore<String, String> store = store(maxSessions);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> admittedCounts = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                String prefix = "thread" + t + "-";
                admittedCounts.add(pool.submit(() -> {
                    start.await();
                    int admitted = 0;
                    for (int i = 0; i < attemptsPerThread; i++) {
                        if (store.tryPut(prefix + i, "session", Duration.ofSeconds(30)).admitted()) {
                            admitted++;
                        }
                    }
                    return admitted;
                }));
            }
            start.countDown();
            int admitted = 0;
            for (Future<Integer> count : admittedCounts) {
                admitted += count.get();
            }
            assertEquals(maxSessions, admitted);
        }
        assertEquals(maxSessions, store.size());
        assertEquals(maxSessions, store.snapshot().size());
        assertEquals(List.of(), removals);
    }

    @Test
    void negativeOrMissingDeadlineIsRefusedWithAReadableMessage() {
        SessionStore<String, String> store = store(10);
        store.tryPut("sid", "session", Duration.ofSeconds(30));
        Duration negative = Duration.ofSeconds(-1);

        IllegalArgumentException put = assertThrows(IllegalArgumentException.class,
                () -> store.tryPut("other", "session", negative));
        assertEquals("expiry must not be negative, was PT-1S", put.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.expireAfter("sid", negative));
        assertThrows(NullPointerException.class, () -> store.expireAfter("sid", null));
        assertThrows(NullPointerException.class, () -> store.tryPut("other", "session", null));

        assertEquals(1, store.size(), "a refused call must change nothing");
        assertEquals(Optional.of("session"), store.get("sid"));
    }

    @Test
    void toStringShowsSizeAgainstTheMaximum() {
        SessionStore<String, String> store = store(10);
        store.tryPut("sid", "session", Duration.ofSeconds(30));
        assertEquals("SessionStore[1/10]", store.toString());
        store.close();
        assertEquals("SessionStore[0/10, closed]", store.toString());
    }

    @Test
    void productionStoreRunsCallbacksOnVirtualThreadsAndCloseWaitsForThem() {
        List<Boolean> ranOnVirtualThread = new CopyOnWriteArrayList<>();
        SessionStore<String, String> store = SessionStore.create(StoreConfig.DEFAULT,
                (key, value, reason) -> ranOnVirtualThread.add(Thread.currentThread().isVirtual()));
        store.tryPut("a", "session a", Duration.ofMinutes(5));
        store.tryPut("b", "session b", Duration.ofMinutes(5));

        store.close();

        assertEquals(List.of(true, true), ranOnVirtualThread);
    }

    /** Lets the scheduler's wake-ups happen one after another until one reports a removal; returns the time then. */
    private Duration wakeUpsUntilARemoval(ManualScheduler scheduler) {
        while (removals.isEmpty()) {
            assertTrue(ticker.read() < Duration.ofDays(1).toNanos(), "no removal reported within a day");
            assertTrue(scheduler.advanceToNextWakeUp(), "the store scheduled no wake-up");
        }
        return Duration.ofNanos(ticker.read());
    }
}
