package org.portico.session;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread that runs a task once every period while its {@link BeatSchedule} holds something, and rests while the
 * schedule is empty: the one thread of a transport's beat (held requests' waits, sockets' pings) or of Portico's
 * tick for Jetty's long timeouts.
 *
 * <p>Why: a periodic timer wakes its thread whether or not anything is scheduled, and on the development machine (a
 * virtual machine) each wake-up costs about 0.3 ms of CPU whatever the thread then does (docs/benchmarks.md). A
 * Portico serving only WebSocket clients woke its BOSH beat twice a second for nothing, and one serving nobody woke
 * three threads four times a second. Resting while there is nothing to do keeps the idle cost with what is held.
 *
 * <p>The period is kept as by a fixed-rate timer: runs start one period apart, the first one period after the beat
 * started or stopped resting, and a run that overran its period is followed at once by one run, not by the ones it
 * missed. So what is due in the schedule is run at most one period late, as with the timer this replaces.
 *
 * <p>Threads: the beat's own thread runs the task; an add that finds the schedule empty wakes the beat
 * ({@link BeatSchedule#add}, on the adding thread). {@code resting} is volatile and written before the thread looks
 * at the schedule for the last time, and an adder reads it after its add; so of two such races one side always sees
 * the other, and a rest never outlasts an add.
 */
public final class Beat implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Beat.class);

    private final BeatSchedule<?> schedule;
    private final long periodNanos;
    private final Runnable task;
    private final Thread thread;
    private volatile boolean resting;
    private volatile boolean closed;

    /**
     * Starts the beat's thread.
     *
     * @param name     the thread's name
     * @param schedule what the task works through; the beat rests while it is empty
     * @param period   from the start of one run to the start of the next, and from the end of a rest to the first
     * @param task     one run; what it throws is logged, and the beat goes on
     */
    public Beat(String name, BeatSchedule<?> schedule, Duration period, Runnable task) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("a beat's period must be positive: " + period);
        }
        this.schedule = schedule;
        this.periodNanos = period.toNanos();
        this.task = task;
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
        schedule.whenFilled(this::wake);
        thread.start();
    }

    /** Something was added to the empty schedule: a resting beat runs again, one period from now. */
    private void wake() {
        if (resting) {
            LockSupport.unpark(thread);
        }
    }

    /** Whether the thread is resting (for tests and {@link #toString}). */
    boolean isResting() {
        return resting;
    }

    /** Stops the thread; a run under way finishes first. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }

    // the real clock, not the sessions' injected one: this only paces the thread, and the task reads its own clock
    private void run() {
        long next = System.nanoTime() + periodNanos;
        while (!closed) {
            if (schedule.isEmpty()) {
                rest();
                next = System.nanoTime() + periodNanos;
            }
            for (long left = next - System.nanoTime(); left > 0 && !closed; left = next - System.nanoTime()) {
                LockSupport.parkNanos(this, left);
            }
            if (!closed) {
                runTask();
                next = Math.max(next + periodNanos, System.nanoTime());
            }
        }
    }

    /** Parks until an add wakes the beat; returns at once if the schedule filled before the last look at it. */
    private void rest() {
        resting = true;
        while (schedule.isEmpty() && !closed) {
            LockSupport.park(this);
        }
        resting = false;
    }

    private void runTask() {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("{} failed; the beat goes on", Thread.currentThread().getName(), e);
        }
    }

    @Override
    public String toString() {
        return "Beat[" + thread.getName() + ", every " + Duration.ofNanos(periodNanos)
                + (resting ? ", resting" : "") + (closed ? ", closed" : "") + "]";
    }
}
