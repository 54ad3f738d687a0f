package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.portico.testing.TransitionTables.returnsNothing;

import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.bosh.BoshLifecycle.State;

/** Every event in every state of a BOSH session (XEP-0124 §7–§13): what it answers and where it leads. */
class BoshLifecycleTest {

    private static BoshLifecycle in(State state) {
        BoshLifecycle lifecycle = new BoshLifecycle();
        switch (state) {
            case CREATING -> { }
            case OPEN -> lifecycle.creationAnswered();
            case PAUSED -> {
                lifecycle.creationAnswered();
                lifecycle.paused();
            }
            case ENDED -> lifecycle.ended();
            case GONE -> {
                lifecycle.ended();
                lifecycle.terminalSent();
            }
        }
        assertEquals(state, lifecycle.state());
        return lifecycle;
    }

    private static Function<BoshLifecycle, Object> event(String name) {
        return switch (name) {
            case "creationAnswered" -> returnsNothing(BoshLifecycle::creationAnswered);
            case "paused" -> returnsNothing(BoshLifecycle::paused);
            case "requestArrived" -> BoshLifecycle::requestArrived;
            case "ended" -> returnsNothing(BoshLifecycle::ended);
            case "terminalSent" -> returnsNothing(BoshLifecycle::terminalSent);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}, {3}")
    @CsvSource(textBlock = """
            CREATING, creationAnswered, -,       OPEN
            OPEN,     creationAnswered, ILLEGAL, OPEN
            PAUSED,   creationAnswered, ILLEGAL, PAUSED
            ENDED,    creationAnswered, ILLEGAL, ENDED
            GONE,     creationAnswered, ILLEGAL, GONE
            CREATING, paused,           -,       PAUSED
            OPEN,     paused,           -,       PAUSED
            PAUSED,   paused,           ILLEGAL, PAUSED
            ENDED,    paused,           ILLEGAL, ENDED
            GONE,     paused,           ILLEGAL, GONE
            CREATING, requestArrived,   false,   CREATING
            OPEN,     requestArrived,   false,   OPEN
            PAUSED,   requestArrived,   true,    OPEN
            ENDED,    requestArrived,   ILLEGAL, ENDED
            GONE,     requestArrived,   ILLEGAL, GONE
            CREATING, ended,            -,       ENDED
            OPEN,     ended,            -,       ENDED
            PAUSED,   ended,            -,       ENDED
            ENDED,    ended,            ILLEGAL, ENDED
            GONE,     ended,            ILLEGAL, GONE
            CREATING, terminalSent,     ILLEGAL, CREATING
            OPEN,     terminalSent,     ILLEGAL, OPEN
            PAUSED,   terminalSent,     ILLEGAL, PAUSED
            ENDED,    terminalSent,     -,       GONE
            GONE,     terminalSent,     -,       GONE
            """)
    void everyEventInEveryState(State from, String event, String answer, State to) {
        BoshLifecycle lifecycle = in(from);
        if ("ILLEGAL".equals(answer)) {
            assertThrows(IllegalStateException.class, () -> event(event).apply(lifecycle));
        } else {
            assertEquals(answer, String.valueOf(event(event).apply(lifecycle)));
        }
        assertEquals(to, lifecycle.state());
    }
}
