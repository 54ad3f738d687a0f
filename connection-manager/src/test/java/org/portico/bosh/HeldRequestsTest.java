package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The one record of a session's held and deferred requests, kept in step with the rid window (XEP-0124 §14). */
class HeldRequestsTest {

    private final HeldRequests<String> requests =
            new HeldRequests<>(new RidWindow(10, 3, false, 8), 10, "creation", item -> item);

    @Test
    void theCreationRequestStartsOutHeld_7_1() {
        assertEquals(10L, requests.oldest().orElseThrow().getKey());
        assertEquals("creation", requests.oldest().orElseThrow().getValue());
        assertEquals(1, requests.heldCount());
    }

    /**
     * §7: a held request may wait a whole {@code wait}, so only what answering it needs is kept while it is held; a
     * deferred one is kept whole and handed over whole when its turn comes, to be processed.
     */
    @Test
    void aProcessedRequestIsKeptInItsHeldFormAndADeferredOneWhole_7() {
        HeldRequests<String> trimmed =
                new HeldRequests<>(new RidWindow(10, 3, false, 8), 10, "creation", item -> "held " + item);

        assertEquals(RidWindow.Kind.DEFER, trimmed.arrive(12, "twelve").decision().kind());
        assertTrue(trimmed.defers("twelve"::equals), "whole while it waits for its turn");
        assertEquals(RidWindow.Kind.PROCESS, trimmed.arrive(11, "eleven").decision().kind());
        assertEquals(Optional.of("twelve"), trimmed.nextReady(), "handed over whole to be processed");
        assertEquals(RidWindow.Kind.HELD_REPEAT, trimmed.arrive(11, "eleven again").decision().kind());

        assertEquals("held creation", trimmed.answerOldest("r10", 0));
        assertEquals("held eleven again", trimmed.answerOldest("r11", 0));
        assertEquals("held twelve", trimmed.answerOldest("r12", 0));
    }

    @Test
    void anEarlyRequestWaitsForItsGapThenJoinsTheHeldInRidOrder_R40() {
        assertEquals(RidWindow.Kind.DEFER, requests.arrive(12, "twelve").decision().kind());
        assertEquals(Optional.empty(), requests.nextReady());
        assertEquals(RidWindow.Kind.PROCESS, requests.arrive(11, "eleven").decision().kind());

        assertEquals(Optional.of("twelve"), requests.nextReady());
        assertEquals(Optional.empty(), requests.nextReady());
        assertEquals(3, requests.heldCount());
        assertEquals("creation", requests.answerOldest("r10", 0));
        assertEquals("eleven", requests.answerOldest("r11", 0));
        assertEquals("twelve", requests.answerOldest("r12", 0));
        assertEquals(0, requests.count(item -> true), "nothing in hand");
    }

    @Test
    void aRepeatOfAHeldRidReplacesItAndHandsBackTheOlderOne_R44() {
        requests.arrive(11, "first connection");
        HeldRequests.Arrival<String> again = requests.arrive(11, "second connection");

        assertEquals(RidWindow.Kind.HELD_REPEAT, again.decision().kind());
        assertEquals("first connection", again.displaced());
        assertTrue(requests.holds("second connection"::equals));
        assertFalse(requests.holds("first connection"::equals));
    }

    @Test
    void aRepeatOfADeferredRidReplacesItAndHandsBackTheOlderOne_R44() {
        requests.arrive(12, "first");
        HeldRequests.Arrival<String> again = requests.arrive(12, "second");

        assertEquals(RidWindow.Kind.DUPLICATE_DEFERRED, again.decision().kind());
        assertEquals("first", again.displaced());
        requests.arrive(11, "eleven");
        assertEquals(Optional.of("second"), requests.nextReady());
    }

    @Test
    void aReplayFilesNothing_R43() {
        requests.arrive(11, "eleven");
        requests.answerOldest("r10", 0);
        requests.answerOldest("r11", 0);
        HeldRequests.Arrival<String> replay = requests.arrive(11, "again");

        assertEquals(RidWindow.Kind.REPLAY, replay.decision().kind());
        assertNull(replay.displaced());
        assertEquals(0, requests.count(item -> true), "nothing in hand");
    }

    @Test
    void aDroppedDeferredRequestIsJudgedAfreshWhenResent_17_3() {
        requests.arrive(12, "twelve");
        assertTrue(requests.dropDeferred("twelve"::equals));
        assertFalse(requests.dropDeferred("twelve"::equals));

        assertEquals(RidWindow.Kind.DEFER, requests.arrive(12, "resent").decision().kind());
    }

    @Test
    void takingAllHandsOverHeldInRidOrderThenDeferred() {
        requests.arrive(11, "eleven");
        requests.arrive(13, "thirteen");

        HeldRequests.Remaining<String> all = requests.takeAll();
        assertEquals(List.of("creation", "eleven"), all.held());
        assertEquals(List.of("thirteen"), all.deferred());
        assertEquals(0, requests.count(item -> true), "nothing in hand");
    }
}
