package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The login figure read against the c2s turns on either side of each turn (docs/benchmarks.md). */
class LoginComparisonTest {

    private static Map<String, Object> turn(String server, String target, double seconds) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("mode", "idle");
        row.put("server", server);
        row.put("target", target);
        row.put("login_seconds", seconds);
        return row;
    }

    @Test
    void eachTurnBetweenTwoC2sTurnsIsReadAgainstTheirMeanRate() {
        List<LoginComparison.Bracketed> read = LoginComparison.of(List.of(turn("prosody", "c2s", 11.92),
                turn("prosody", "portico-ws", 18.11), turn("prosody", "c2s", 15.07),
                turn("prosody", "portico-bosh", 22.98), turn("prosody", "c2s", 15.59)));

        assertEquals(2, read.size());
        assertEquals("portico-ws", read.get(0).target());
        assertEquals(13.495 / 18.11, read.get(0).ratio(), 1e-9);
        assertEquals("prosody/portico-bosh 67 % (22.98 s against 15.07 and 15.59 s)", read.get(1).line());
    }

    @Test
    void aTurnWithoutAC2sTurnOnBothSidesIsNotRead() {
        assertTrue(LoginComparison.of(List.of(turn("prosody", "c2s", 12), turn("prosody", "portico-ws", 18),
                turn("prosody", "portico-bosh", 16), turn("prosody", "c2s", 15))).isEmpty());
        assertTrue(LoginComparison.of(List.of(turn("prosody", "portico-ws", 18), turn("prosody", "c2s", 15)))
                .isEmpty());
    }

    @Test
    void turnsOfAnotherServerBetweenThemArePassedOver() {
        List<LoginComparison.Bracketed> read = LoginComparison.of(List.of(turn("prosody", "c2s", 10),
                turn("ejabberd", "c2s", 2), turn("prosody", "portico-ws", 20), turn("ejabberd", "portico-ws", 4),
                turn("prosody", "c2s", 10), turn("ejabberd", "c2s", 2)));

        assertEquals(List.of("prosody/portico-ws 50 % (20.00 s against 10.00 and 10.00 s)",
                "ejabberd/portico-ws 50 % (4.00 s against 2.00 and 2.00 s)"),
                read.stream().map(LoginComparison.Bracketed::line).toList());
    }

    @Test
    void aStepOrAFailedNeighbourBracketsNothing() {
        Map<String, Object> failed = turn("prosody", "c2s", 12);
        failed.put("error", "unanswered pings");
        Map<String, Object> step = turn("prosody", "portico-ws", 18);
        step.put("step", 2);
        assertTrue(LoginComparison.of(List.of(failed, turn("prosody", "portico-ws", 18), turn("prosody", "c2s", 15)))
                .isEmpty());
        assertTrue(LoginComparison.of(List.of(turn("prosody", "c2s", 12), step, turn("prosody", "c2s", 15)))
                .isEmpty());
    }

    @Test
    void theReportIsAListAfterTheTableAndNothingWithoutBrackets() {
        assertEquals("\n- logins against the c2s turns on either side: prosody/portico-ws 50 % (20.00 s against"
                + " 10.00 and 10.00 s)\n", LoginComparison.report(List.of(turn("prosody", "c2s", 10),
                turn("prosody", "portico-ws", 20), turn("prosody", "c2s", 10))));
        assertEquals("", LoginComparison.report(List.of(turn("prosody", "c2s", 10))));
    }
}
