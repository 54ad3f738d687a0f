package org.portico.bench;

import java.util.Arrays;

/**
 * Order statistics of a set of latencies in nanoseconds: min, median, p90, p99, max (nearest-rank percentiles, so
 * every figure is a latency that was actually measured) and the mean.
 */
public record LatencyStats(int count, long min, long median, long p90, long p99, long max, double mean) {

    public static LatencyStats of(long[] nanos) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no latencies measured");
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new LatencyStats(sorted.length, sorted[0], percentile(sorted, 50), percentile(sorted, 90),
                percentile(sorted, 99), sorted[sorted.length - 1], Arrays.stream(sorted).average().orElseThrow());
    }

    /** Nearest rank: the smallest value with at least {@code p} percent of the values at or below it. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
