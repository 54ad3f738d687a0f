package org.portico.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The thread behind the transports' beats and the tick (issue 10: an idle Portico wakes no thread for nothing). The
 * beat paces itself on the real clock, so these tests use a period of a few milliseconds and wait for what the
 * thread does, never for a time to pass: a beat found parked without a deadline cannot run until something wakes it.
 */
class BeatTest {

    private static final Duration PERIOD = Duration.ofMillis(2);
    private static final long TIMEOUT_SECONDS = 10;

    private final BeatSchedule<String> schedule = new BeatSchedule<>(Duration.ofSeconds(1));

    @Test
    void aBeatWhoseScheduleIsEmptyRestsWithoutADeadlineAndRunsNothing() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (Beat beat = new Beat("beat-test-rest", schedule, PERIOD, runs::incrementAndGet)) {
            awaitRestingWithoutDeadline(beat, "beat-test-rest");
            assertEquals(0, runs.get(), "an empty schedule runs no task");
        }
    }

    @Test
    void anAddToTheEmptyScheduleWakesTheBeatWhichRunsEveryPeriodWhileTheScheduleHoldsSomething() throws Exception {
        CountDownLatch threeRuns = new CountDownLatch(3);
        try (Beat beat = new Beat("beat-test-wake", schedule, PERIOD, threeRuns::countDown)) {
            awaitRestingWithoutDeadline(beat, "beat-test-wake");
            schedule.add("a", 0);
            assertTrue(threeRuns.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "woken by the add, it runs every period");
        }
    }

    @Test
    void aTaskThatThrowsIsLoggedAndTheBeatGoesOn() throws Exception {
        schedule.add("a", 0);
        CountDownLatch runs = new CountDownLatch(3);
        try (Beat beat = new Beat("beat-test-throws", schedule, PERIOD, () -> {
            runs.countDown();
            throw new IllegalStateException("one run failed");
        })) {
            assertTrue(runs.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "runs after runs that threw");
        }
    }

    /**
     * The race the class comment reasons about, many times over: the task empties the schedule, and another thread
     * adds to it while the beat decides to rest. A wake-up lost there would leave the entry unserved for ever.
     */
    @Test
    void noAddIsLeftUnservedByABeatGoingToRestAtTheSameTime() throws Exception {
        Semaphore served = new Semaphore(0);
        try (Beat beat = new Beat("beat-test-race", schedule, PERIOD, () -> {
            if (!schedule.takeDueBefore(Long.MAX_VALUE, entry -> 0L).isEmpty()) {
                served.release();
            }
        })) {
            for (int i = 0; i < 500; i++) {
                schedule.add("entry " + i, 0);
                assertTrue(served.tryAcquire(TIMEOUT_SECONDS, TimeUnit.SECONDS), "entry " + i + " was served");
            }
        }
    }

    @Test
    void aClosedBeatEndsItsThreadWhetherRestingOrBeating() throws Exception {
        Beat resting = new Beat("beat-test-close-resting", schedule, PERIOD, () -> { });
        awaitRestingWithoutDeadline(resting, "beat-test-close-resting");
        Thread restingThread = thread("beat-test-close-resting");
        resting.close();
        restingThread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        assertEquals(Thread.State.TERMINATED, restingThread.getState());

        BeatSchedule<String> busy = new BeatSchedule<>(Duration.ofSeconds(1));
        busy.add("a", 0);
        CountDownLatch ran = new CountDownLatch(1);
        Beat beating = new Beat("beat-test-close-beating", busy, PERIOD, ran::countDown);
        assertTrue(ran.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        Thread beatingThread = thread("beat-test-close-beating");
        beating.close();
        beatingThread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        assertEquals(Thread.State.TERMINATED, beatingThread.getState());
    }

    @Test
    void aPeriodMustBePositive() {
        assertThrows(IllegalArgumentException.class,
                () -> new Beat("beat-test-zero", schedule, Duration.ZERO, () -> { }));
    }

    /** Waits until the beat's thread is parked with no deadline: from then on only a wake or a close moves it. */
    private static void awaitRestingWithoutDeadline(Beat beat, String name) throws InterruptedException {
        Thread thread = thread(name);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!(beat.isResting() && thread.getState() == Thread.State.WAITING)) {
            assertTrue(System.nanoTime() < deadline, "the beat did not rest: " + beat + ", " + thread.getState());
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private static Thread thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no thread " + name));
    }
}
