package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.metrics.Metrics;

/**
 * When a BOSH session counts as resumed after a page reload (XEP-0124 §10 and §14.3; docs/monitoring.md,
 * {@code portico_reloads_resumed_total}). A script table of what reaches the session, by rid: {@code R5} rid 5
 * repeated and its answer replayed, {@code H5} rid 5 repeated while still held, {@code D5} a deferred rid repeated,
 * {@code Z5} a replay while paused, {@code L5} the connection of held rid 5 lost with nothing else held, {@code M5}
 * lost while another request is still held, {@code I5} rid 5 in order, {@code U5} rid 5 in order ending a pause. The
 * expected column is what each in-order request counts: {@code restore}, {@code pause} or {@code .} (nothing).
 */
class BoshReloadsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // ordinary traffic is no reload
            "I5 I6 I7                 | . . .",
            // the page vanished, the new one goes on with the sid and the next rid
            "L5 I6                    | restore",
            "R5 I6                    | restore",
            "H5 I6                    | restore",
            "L5 R5 I6                 | restore",
            // one restore is counted once, however many requests follow
            "R5 I6 I7 I8              | restore . .",
            // a connection lost while another request is held, or a deferred rid sent twice, is no reload
            "M5 I6                    | .",
            "D6 I6                    | .",
            "R5 M6 I7                 | .",
            // stragglers of the old page, noticed after the new page went on, do not count the same reload again
            "R5 I6 R5 I7              | restore .",
            "R5 I6 L5 I7              | restore .",
            "L5 I6 H6 I7              | restore .",
            "R5 I6 R6 L6 I7           | restore .",
            // the next reload counts again
            "R5 I6 I7 R7 I8           | restore . restore",
            "R5 I6 I7 L7 I8           | restore . restore",
            // a pause is counted as a pause; replays while paused restore nothing
            "Z5 U6                    | pause",
            "Z5 U6 I7                 | pause .",
    })
    void aSessionCountsAsRestoredOncePerReload_XEP0124_14_3(String script, String expected) {
        List<Metrics.Reload> counted = new ArrayList<>();
        BoshReloads reloads = new BoshReloads(new Metrics() {
            @Override
            public void reloadResumed(Reload mechanism) {
                counted.add(mechanism);
            }
        });
        List<String> results = new ArrayList<>();
        for (String step : script.trim().split("\\s+")) {
            long rid = Long.parseLong(step.substring(1));
            int before = counted.size();
            switch (step.charAt(0)) {
                case 'R' -> reloads.repeated(rid, RidWindow.Kind.REPLAY, BoshLifecycle.State.OPEN);
                case 'H' -> reloads.repeated(rid, RidWindow.Kind.HELD_REPEAT, BoshLifecycle.State.OPEN);
                case 'D' -> reloads.repeated(rid, RidWindow.Kind.DUPLICATE_DEFERRED, BoshLifecycle.State.OPEN);
                case 'Z' -> reloads.repeated(rid, RidWindow.Kind.REPLAY, BoshLifecycle.State.PAUSED);
                case 'L' -> reloads.connectionLost(rid, true);
                case 'M' -> reloads.connectionLost(rid, false);
                case 'I', 'U' -> {
                    reloads.inOrder(rid, step.charAt(0) == 'U');
                    results.add(counted.size() == before ? "."
                            : counted.getLast().name().substring("BOSH_".length()).toLowerCase());
                }
                default -> throw new IllegalArgumentException(step);
            }
        }
        assertEquals(expected.trim(), String.join(" ", results));
    }
}
