package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Slow messages are grouped into stalls by their scheduled times, and the largest stalls are reported in order. */
class StallsTest {

    private static final long MS = 1_000_000L;
    private static final long START = 1_000_000 * MS;

    @Test
    void messagesAtOrBelowTheThresholdAreNoStall() {
        Stalls stalls = new Stalls(50 * MS, START, 2, 10);
        stalls.arrived(0, 0, START, 50 * MS);

        assertEquals(List.of(), stalls.summary(5));
    }

    @Test
    void slowMessagesCloseTogetherAreOneStallWithTheirWorstLatencyAndSendLateness() {
        Stalls stalls = new Stalls(50 * MS, START, 2, 10);
        stalls.sending(0, 1, START + 2000 * MS + 30 * MS); // sent 30 ms after its time
        stalls.arrived(0, 1, START + 2000 * MS, 120 * MS);
        stalls.sending(1, 1, START + 2100 * MS);
        stalls.arrived(1, 1, START + 2100 * MS, 80 * MS);

        assertEquals(List.of("at 2.00 s for 100 ms: 2 messages from 2 senders, max 120.0 ms, sends up to 30.0 ms"
                + " late"), stalls.summary(5));
    }

    @Test
    void aGapLongerThanAQuarterSecondStartsAnotherStallAndOnlyTheLargestAreKept() {
        Stalls stalls = new Stalls(50 * MS, START, 1, 10);
        stalls.arrived(0, 0, START + 1000 * MS, 60 * MS);
        stalls.arrived(0, 1, START + 5000 * MS, 60 * MS);
        stalls.arrived(0, 2, START + 5100 * MS, 70 * MS);
        stalls.arrived(0, 3, START + 9000 * MS, 90 * MS);
        stalls.arrived(0, 4, START + 9200 * MS, 90 * MS);

        assertEquals(List.of("at 5.00 s for 100 ms: 2 messages from 1 senders, max 70.0 ms, sends up to 0.0 ms late",
                "at 9.00 s for 200 ms: 2 messages from 1 senders, max 90.0 ms, sends up to 0.0 ms late"),
                stalls.summary(2));
    }
}
