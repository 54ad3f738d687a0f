package org.portico.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portico.store.testing.ManualTicker;

/**
 * Jetty's timeouts on one tick (issue 10: the scheduler thread woke for every connection's idle-timeout check): a
 * long task runs on the first tick at or after its time, never before, at most a tick late; a short one goes to the
 * scheduler that keeps time exactly; a cancelled one never runs.
 */
class TickSchedulerTest {

    private final ManualTicker clock = new ManualTicker();
    private final List<String> ran = new ArrayList<>();
    private final List<Long> onTimeDelays = new ArrayList<>();
    private final TickScheduler scheduler = new TickScheduler(clock, new RecordingScheduler(), TickScheduler.TICK,
            TickScheduler.LONG);

    @BeforeEach
    void start() throws Exception {
        scheduler.start();
    }

    @AfterEach
    void stop() throws Exception {
        scheduler.stop();
    }

    @Test
    void aLongTaskRunsOnTheFirstTickAtOrAfterItsTime() {
        scheduler.schedule(() -> ran.add("idle check"), 90, TimeUnit.SECONDS);

        scheduler.tick(seconds(89.95));
        assertEquals(List.of(), ran, "not before its time");
        scheduler.tick(seconds(90.95));
        assertEquals(List.of("idle check"), ran, "the first tick after it");
        scheduler.tick(seconds(91.95));
        assertEquals(List.of("idle check"), ran, "once");
    }

    @Test
    void tasksDueTogetherRunOnOneTickInAnyOrderAndLaterOnesWait() {
        scheduler.schedule(() -> ran.add("a"), 30_000, TimeUnit.MILLISECONDS);
        scheduler.schedule(() -> ran.add("b"), 30_040, TimeUnit.MILLISECONDS);
        scheduler.schedule(() -> ran.add("c"), 30_200, TimeUnit.MILLISECONDS);

        scheduler.tick(seconds(30.1));
        ran.sort(null);
        assertEquals(List.of("a", "b"), ran);
        scheduler.tick(seconds(30.2));
        assertEquals(List.of("a", "b", "c"), ran);
    }

    @Test
    void aShortDelayGoesToTheSchedulerThatKeepsTimeExactly() {
        scheduler.schedule(() -> ran.add("short wait"), 300, TimeUnit.MILLISECONDS);
        scheduler.schedule(() -> ran.add("a tenth late would matter"), 9_999, TimeUnit.MILLISECONDS);

        assertEquals(List.of(TimeUnit.MILLISECONDS.toNanos(300), TimeUnit.MILLISECONDS.toNanos(9_999)),
                onTimeDelays);
        scheduler.tick(seconds(20));
        assertEquals(List.of(), ran, "not on the tick");
    }

    @Test
    void aCancelledTaskNeverRunsAndOnlyTheFirstCancelOfAPendingTaskSucceeds() {
        Scheduler.Task task = scheduler.schedule(() -> ran.add("cancelled"), 60, TimeUnit.SECONDS);
        Scheduler.Task later = scheduler.schedule(() -> ran.add("ran"), 60, TimeUnit.SECONDS);

        assertTrue(task.cancel());
        assertFalse(task.cancel(), "cancelled already");
        scheduler.tick(seconds(61));
        assertEquals(List.of("ran"), ran);
        assertFalse(later.cancel(), "it ran already");
    }

    @Test
    void aFailingTaskDoesNotKeepTheTickFromTheOthers() {
        scheduler.schedule(() -> {
            throw new IllegalStateException("played: this task fails");
        }, 15, TimeUnit.SECONDS);
        scheduler.schedule(() -> ran.add("after the failure"), 15, TimeUnit.SECONDS);

        scheduler.tick(seconds(15.1));
        assertEquals(List.of("after the failure"), ran);
    }

    @Test
    void aTaskScheduledWhileStoppedNeverRuns() throws Exception {
        scheduler.stop();
        Scheduler.Task task = scheduler.schedule(() -> ran.add("too late"), 15, TimeUnit.SECONDS);

        scheduler.tick(seconds(16));
        assertFalse(task.cancel());
        assertEquals(List.of(), ran);
    }

    /** The tick's own thread runs what is due on real time, as Jetty's server uses it (here on a faster tick). */
    @Test
    void theTicksThreadRunsDueTasksOnTheMonotonicClock() throws Exception {
        TickScheduler real = new TickScheduler(System::nanoTime, new RecordingScheduler(), Duration.ofMillis(10),
                Duration.ofMillis(100));
        real.start();
        try {
            CountDownLatch ran = new CountDownLatch(1);
            List<String> thread = new ArrayList<>();
            real.schedule(() -> {
                thread.add(Thread.currentThread().getName());
                ran.countDown();
            }, Duration.ofMillis(100));
            assertTrue(ran.await(10, TimeUnit.SECONDS), "ran within 10 s");
            assertEquals(List.of("jetty-timers-tick"), thread);
        } finally {
            real.stop();
        }
    }

    private static long seconds(double seconds) {
        return Math.round(seconds * 1e9);
    }

    /** Stands for Jetty's own scheduler: records the delays it was given, runs nothing. */
    private final class RecordingScheduler extends ScheduledExecutorScheduler {
        @Override
        public Task schedule(Runnable task, long delay, TimeUnit units) {
            onTimeDelays.add(units.toNanos(delay));
            return () -> false;
        }
    }
}
