package org.portico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The benchmark's figures are nearest-rank percentiles: each one a latency that was measured. */
class LatencyStatsTest {

    @ParameterizedTest(name = "p{1} of 1..{0} is {2}")
    @CsvSource({"100, 50, 50", "100, 90, 90", "100, 99, 99", "100, 100, 100", "10, 50, 5", "10, 99, 10",
            "1, 50, 1", "1, 99, 1", "3, 50, 2", "4, 50, 2"})
    void percentilesAreNearestRank(int count, double p, long expected) {
        long[] sorted = new long[count];
        for (int i = 0; i < count; i++) {
            sorted[i] = i + 1;
        }
        assertEquals(expected, LatencyStats.percentile(sorted, p));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"unsorted input is sorted first | 5,1,4,2,3 | 1 | 3 | 5 | 3.0",
            "a single value is every statistic | 7 | 7 | 7 | 7 | 7.0"})
    void statisticsOfUnsortedLatencies(String behaviour, String values, long min, long median, long max,
            double mean) {
        long[] nanos = java.util.Arrays.stream(values.split(",")).mapToLong(Long::parseLong).toArray();
        LatencyStats stats = LatencyStats.of(nanos);
        assertEquals(new LatencyStats(nanos.length, min, median, stats.p90(), stats.p99(), max, mean), stats,
                behaviour);
    }

    @org.junit.jupiter.api.Test
    void noLatenciesIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> LatencyStats.of(new long[0]));
    }
}
