package org.portico.load;

import java.util.Arrays;

/** Latencies of one window in nanoseconds, appended by many threads, then summarised by nearest rank. */
final class Percentiles {

    private long[] values = new long[1024];
    private int count;

    synchronized void add(long nanos) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = nanos;
    }

    synchronized void addAll(Percentiles other) {
        long[] theirs;
        int n;
        synchronized (other) {
            theirs = other.values;
            n = other.count;
        }
        for (int i = 0; i < n; i++) {
            add(theirs[i]);
        }
    }

    synchronized int count() {
        return count;
    }

    /** The nearest-rank percentile {@code p} (0 &lt; p &le; 100) in milliseconds, NaN when empty. */
    synchronized double millis(double p) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.max(0, Math.min(count, rank) - 1)] / 1e6;
    }
}
