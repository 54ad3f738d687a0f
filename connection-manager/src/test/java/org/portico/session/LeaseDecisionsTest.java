package org.portico.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.testing.RecordingLease;

/**
 * A session's lease reaches the store when it changes, and the store ends with the session's last decision whatever
 * order the decisions are carried out in (XEP-0124 §10: a session with a request held does not expire; R25).
 * Script: {@code busy}, {@code idle60} (idle for 60 s), {@code end}, {@code -} (an event that said nothing about
 * the lease); the expected column is what the store was told, in order ({@link RecordingLease}'s words).
 */
class LeaseDecisionsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // a request held again and again: the store hears "busy" once
            "busy busy - busy                    | busy",
            // each change between held and not held is told
            "busy idle60 busy idle60             | busy, idle 60, busy, idle 60",
            // idle again is told again: a pause re-times the session
            "idle60 idle120                      | idle 60, idle 120",
            // the end is told once, and nothing after it
            "busy end busy idle60 end            | busy, end",
            // an event that says nothing changes nothing
            "- - idle60 -                        | idle 60",
    })
    void theStoreHearsEachChangeOfTheLeaseOnce(String script, String expected) {
        RecordingLease store = new RecordingLease();
        LeaseDecisions decisions = new LeaseDecisions(store);
        for (String step : script.trim().split("\\s+")) {
            LeaseDecisions.Change change = decide(decisions, step);
            if (change != null) {
                decisions.carryOut(change);
            }
        }
        assertEquals(expected.trim(), String.join(", ", store.changes()));
    }

    /**
     * Two events decided one after the other under the session lock, carried out by their threads in the other
     * order: the older decision, overtaken, is dropped, so a held request's session is not left with a deadline.
     */
    @Test
    void aDecisionOvertakenByANewerOneIsDropped() {
        RecordingLease store = new RecordingLease();
        LeaseDecisions decisions = new LeaseDecisions(store);
        decisions.carryOut(decide(decisions, "busy"));
        LeaseDecisions.Change idle = decide(decisions, "idle60");
        LeaseDecisions.Change busyAgain = decide(decisions, "busy");

        decisions.carryOut(busyAgain);
        decisions.carryOut(idle);

        assertEquals(List.of("busy", "busy"), store.changes());
    }

    /** A "busy" decided while an overtaken "idle" is still on its way is not dropped as a repeat. */
    @Test
    void busyAfterIdleIsToldEvenBeforeTheIdleWasCarriedOut() {
        RecordingLease store = new RecordingLease();
        LeaseDecisions decisions = new LeaseDecisions(store);
        decisions.carryOut(decide(decisions, "busy"));
        decide(decisions, "idle60");
        LeaseDecisions.Change busyAgain = decide(decisions, "busy");

        decisions.carryOut(busyAgain);

        assertEquals(List.of("busy", "busy"), store.changes());
        assertNull(decide(decisions, "busy"), "a repeat of the last decision");
    }

    private static LeaseDecisions.Change decide(LeaseDecisions decisions, String step) {
        return switch (step) {
            case "busy" -> decisions.decide(Duration.ZERO, false);
            case "end" -> decisions.decide(null, true);
            case "-" -> decisions.decide(null, false);
            default -> decisions.decide(Duration.ofSeconds(Long.parseLong(step.substring("idle".length()))), false);
        };
    }
}
