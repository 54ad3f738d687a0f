package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How long a BOSH session may go without a request (XEP-0124 §8 inactivity, §10 pause), for every state × event, as
 * a script: each row's events run in order on an allowance with 60 s of inactivity, then its idle time is asked.
 * Events: {@code early:N} a legal pause of N s answered early (§14.2), {@code paused:N} a pause processed in turn,
 * {@code resumed} the first request after a pause (R31).
 */
class BoshIdleAllowanceTest {

    @ParameterizedTest(name = "[{0}] -> {1} s: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                      | 60 | without a pause, the inactivity (§8)
            resumed                 | 60 | a request with no pause before it changes nothing
            paused:90               | 90 | a pause in force (R31)
            paused:30               | 30 | a pause under the inactivity shortens the window (R31)
            paused:90 resumed       | 60 | the next request ends the pause (R31)
            early:90                | 90 | an early pause keeps the session for it while it waits for its turn
            early:90 resumed        | 90 | only the processed pause ends with the next request
            early:30                | 60 | an early pause under the inactivity does not shorten it before its turn
            early:90 paused:90      | 90 | processed in turn, it is the pause in force
            early:90 paused:90 resumed | 60 | and is not kept past its turn
            paused:30 early:90      | 30 | a pause in force wins until the next request
            paused:30 early:90 resumed | 90 | then the early one still waiting keeps the session
            """)
    void idleTime(String events, long seconds, String why) {
        assertEquals(Duration.ofSeconds(seconds), after(events).idle(), why);
    }

    @ParameterizedTest(name = "[{0}] is described as \"{1}\"")
    @CsvSource(delimiter = '|', textBlock = """
            ''                  | ''
            early:90            | ' early pause=PT1M30S'
            early:90 paused:30  | ' paused=PT30S'
            """)
    void itsDescriptionNamesWhatIsInForce(String events, String description) {
        assertEquals(description, after(events).toString());
    }

    /** An allowance with 60 s of inactivity after the script's events, in order. */
    private static BoshIdleAllowance after(String events) {
        BoshIdleAllowance allowance = new BoshIdleAllowance(Duration.ofSeconds(60));
        for (String event : events.isBlank() ? new String[0] : events.trim().split(" +")) {
            String[] parts = event.split(":");
            switch (parts[0]) {
                case "early" -> allowance.pauseArrivedEarly(Duration.ofSeconds(Long.parseLong(parts[1])));
                case "paused" -> allowance.paused(Duration.ofSeconds(Long.parseLong(parts[1])));
                case "resumed" -> allowance.resumed();
                default -> throw new IllegalArgumentException("unknown event " + event);
            }
        }
        return allowance;
    }
}
