package org.portico.demo;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.opentest4j.AssertionFailedError;

/**
 * Bounded waits for what a page shows. Nothing here decides anything by time: a condition is checked until it holds
 * or the deadline passes, and the deadline only turns a hang into a readable failure.
 */
final class Wait {

    /** Long enough for a login or a round trip through Portico and Prosody on a loaded 2-core machine. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_NANOS = Duration.ofMillis(50).toNanos();

    private Wait() {
    }

    /**
     * Checks {@code condition} until it holds. Between checks {@code between} lets the browser run (HtmlUnit's
     * background JavaScript, say); a condition that throws counts as not yet true, since the page may be
     * changing the nodes it reads, and the last exception is reported if the deadline passes.
     *
     * @param what  what is awaited, for the failure message
     * @param state what the page showed instead, for the failure message
     */
    static void until(String what, BooleanSupplier condition, Runnable between, Supplier<String> state) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionFailedError failure = new AssertionFailedError("waited " + TIMEOUT.toSeconds() + " s for "
                        + what + "; the page shows: " + describe(state));
                if (last != null) {
                    failure.addSuppressed(last);
                }
                throw failure;
            }
            long started = System.nanoTime();
            between.run();
            long left = POLL_NANOS - (System.nanoTime() - started);
            if (left > 0) {
                LockSupport.parkNanos(left);
            }
        }
    }

    private static String describe(Supplier<String> state) {
        try {
            return state.get();
        } catch (RuntimeException e) {
            return "(could not be read: " + e + ")";
        }
    }
}
