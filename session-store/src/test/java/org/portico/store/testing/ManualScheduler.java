package org.portico.store.testing;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A Caffeine scheduler on a {@link ManualTicker}: it records each wake-up Caffeine asks for and runs it only when a
 * test calls {@link #runDue()} after advancing the ticker past its time. This shows that an idle store expires its
 * entries without anyone touching it, without a real timer and without sleeping.
 */
public final class ManualScheduler implements Scheduler {

    private record Task(long dueNanos, Executor executor, Runnable command, CompletableFuture<Void> future) {
    }

    private final ManualTicker ticker;
    private final List<Task> pending = new ArrayList<>();

    public ManualScheduler(ManualTicker ticker) {
        this.ticker = ticker;
    }

    @Override
    public synchronized Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
        Task task = new Task(ticker.read() + unit.toNanos(delay), executor, command, new CompletableFuture<>());
        pending.add(task);
        return task.future();
    }

    /** How long from now until the earliest wake-up that is neither cancelled nor run; empty if there is none. */
    public synchronized Optional<Duration> nextWakeUp() {
        pending.removeIf(task -> task.future().isDone());
        return pending.stream()
                .mapToLong(Task::dueNanos)
                .min()
                .stream()
                .mapToObj(due -> Duration.ofNanos(due - ticker.read()))
                .findFirst();
    }

    /**
     * Advances the ticker to the earliest pending wake-up, as a real timer would let time pass, and runs it.
     *
     * @return false, leaving time alone, if no wake-up is pending
     */
    public boolean advanceToNextWakeUp() {
        Optional<Duration> next = nextWakeUp();
        if (next.isEmpty()) {
            return false;
        }
        if (next.get().isPositive()) {
            ticker.advance(next.get());
        }
        runDue();
        return true;
    }

    /** Runs, on the executor Caffeine gave, every wake-up whose time has come, including ones they schedule. */
    public void runDue() {
        for (Task task = takeDue(); task != null; task = takeDue()) {
            task.executor().execute(task.command());
        }
    }

    private synchronized Task takeDue() {
        pending.removeIf(task -> task.future().isDone());
        for (Task task : pending) {
            if (task.dueNanos() - ticker.read() <= 0) {
                pending.remove(task);
                task.future().complete(null);
                return task;
            }
        }
        return null;
    }
}
