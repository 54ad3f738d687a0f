package org.portico.testing;

import java.time.Duration;
import java.util.function.LongSupplier;

/** Milliseconds that move only when a test says so. */
public final class ManualClock implements LongSupplier {

    private volatile long millis = 1_700_000_000_000L;

    @Override
    public long getAsLong() {
        return millis;
    }

    public void advance(Duration amount) {
        millis += amount.toMillis();
    }
}
