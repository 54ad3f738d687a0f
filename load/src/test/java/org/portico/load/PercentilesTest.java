package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void nearestRankPercentilesAreLatenciesThatWereMeasured() {
        Percentiles latencies = new Percentiles();
        for (int ms = 100; ms >= 1; ms--) {
            latencies.add(ms * 1_000_000L);
        }
        assertEquals(50.0, latencies.millis(50));
        assertEquals(99.0, latencies.millis(99));
        assertEquals(100.0, latencies.millis(100));
        assertEquals(1.0, latencies.millis(0.5));
    }

    @Test
    void anEmptyWindowHasNoPercentiles() {
        assertTrue(Double.isNaN(new Percentiles().millis(50)));
    }
}
