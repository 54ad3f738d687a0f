package org.portico.store.testing;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A Caffeine ticker that moves only when a test advances it, so time-dependent tests never sleep. */
public final class ManualTicker implements Ticker {

    private final AtomicLong nanos = new AtomicLong();

    @Override
    public long read() {
        return nanos.get();
    }

    /** Moves time forward; negative amounts are refused because a ticker never goes back. */
    public void advance(Duration amount) {
        if (amount.isNegative()) {
            throw new IllegalArgumentException("a ticker never goes back, asked to advance " + amount);
        }
        nanos.addAndGet(amount.toNanos());
    }

    @Override
    public String toString() {
        return "ManualTicker[" + Duration.ofNanos(read()) + "]";
    }
}
