package org.portico.http;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.portico.session.Beat;
import org.portico.session.BeatSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's scheduler for Portico's server, with long delays kept on a tick. A task due in {@link #LONG} or more waits
 * in a {@link BeatSchedule} and runs on the first tick (every {@link #TICK}) at or after its time, at most a tick
 * late, a tenth of its delay at most; a shorter one goes to Jetty's own scheduler, which runs it on time.
 *
 * <p>Why: Jetty schedules each connection's idle timeout here and, when it comes up, checks it and schedules it
 * again for the rest. With 9,000 idle BOSH connections, a request on each every 30 s and {@code http.idleTimeout}
 * 90 s, that is about 120 checks a second, each of which woke Jetty's scheduler thread on its own: 0.7–1.0 % of a
 * core at 9,000 sessions, as much as the selector spent reading their requests. Nearly all of it is the wake-up
 * itself: on the development machine (a virtual machine) a thread woken by a timer costs about 0.3 ms of CPU each
 * time, whatever it then does (docs/benchmarks.md). On the tick, the checks due in the same second run together and
 * the thread wakes once a second however many connections there are, and not at all while none waits ({@link Beat}).
 *
 * <p>Time is the JVM's monotonic clock, not Portico's session clock: Jetty measures idleness with it, and tests that
 * move the session clock by hand must not move the network's timeouts.
 *
 * <p>Threads: any thread schedules and cancels; the tick's one thread runs the due tasks, one after the other, as
 * Jetty's scheduler thread does. Each task runs or is cancelled once ({@link TickTask#done}).
 */
public final class TickScheduler extends ContainerLifeCycle implements Scheduler {

    /** How often due tasks run: the most a long task runs late. */
    static final Duration TICK = Duration.ofSeconds(1);
    /** The shortest delay kept on the tick: a tick is at most a tenth of it. */
    static final Duration LONG = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(TickScheduler.class);

    private final Ticker clock;
    private final Scheduler onTime;
    private final Duration tick;
    private final long longNanos;
    private volatile BeatSchedule<TickTask> tasks;
    /** The tick's thread while running; it rests while no task waits for it. */
    private volatile Beat ticks;

    public TickScheduler() {
        this(Ticker.systemTicker(), new ScheduledExecutorScheduler("jetty-timers", true), TICK, LONG);
    }

    /**
     * @param onTime    where delays shorter than {@code longDelay} go; started and stopped with this
     * @param tick      how often the tick runs what is due
     * @param longDelay the shortest delay kept on the tick
     */
    TickScheduler(Ticker clock, Scheduler onTime, Duration tick, Duration longDelay) {
        this.clock = clock;
        this.onTime = onTime;
        this.tick = tick;
        this.longNanos = longDelay.toNanos();
        addBean(onTime);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        BeatSchedule<TickTask> schedule = new BeatSchedule<>(tick);
        tasks = schedule;
        ticks = new Beat("jetty-timers-tick", schedule, tick, () -> tick(clock.read()));
    }

    @Override
    protected void doStop() throws Exception {
        Beat thread = ticks;
        ticks = null;
        if (thread != null) {
            thread.close();
        }
        tasks = null;
        super.doStop();
    }

    /** Like Jetty's own scheduler, a task scheduled while this is not running never runs. */
    @Override
    public Task schedule(Runnable task, long delay, TimeUnit units) {
        long nanos = units.toNanos(delay);
        if (nanos < longNanos) {
            return onTime.schedule(task, delay, units);
        }
        BeatSchedule<TickTask> schedule = tasks;
        if (schedule == null) {
            return () -> false;
        }
        TickTask scheduled = new TickTask(task, clock.read() + nanos, schedule);
        schedule.add(scheduled, scheduled.due);
        return scheduled;
    }

    /** One tick: runs the tasks due by {@code now}; the tick's thread calls it (tests call it by hand). */
    void tick(long now) {
        BeatSchedule<TickTask> schedule = tasks;
        if (schedule == null) {
            return;
        }
        for (TickTask due : schedule.takeDueBefore(now + 1, TickTask::due)) {
            due.run();
        }
    }

    @Override
    public String toString() {
        BeatSchedule<TickTask> schedule = tasks;
        return "TickScheduler[" + (schedule == null ? "stopped" : schedule.size() + " on the tick") + "]";
    }

    private static final class TickTask implements Task {
        private final Runnable task;
        private final long due;
        private final BeatSchedule<TickTask> schedule;
        private final AtomicBoolean done = new AtomicBoolean();

        TickTask(Runnable task, long due, BeatSchedule<TickTask> schedule) {
            this.task = task;
            this.due = due;
            this.schedule = schedule;
        }

        long due() {
            return due;
        }

        @Override
        public boolean cancel() {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            schedule.remove(this, due);
            return true;
        }

        void run() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                // one failing task must not keep the tick from the others, nor end the tick's thread
                log.warn("scheduled task {} failed", task, e);
            }
        }
    }
}
