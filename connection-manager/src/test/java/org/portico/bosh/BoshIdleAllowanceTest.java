package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How long a BOSH session may go without a request (XEP-0124 §8 inactivity, §10 pause), for every state × event. */
class BoshIdleAllowanceTest {

    private static final Duration INACTIVITY = Duration.ofSeconds(60);
    private static final Duration LONG = Duration.ofSeconds(90);
    private static final Duration SHORT = Duration.ofSeconds(30);

    private final BoshIdleAllowance allowance = new BoshIdleAllowance(INACTIVITY);

    @Test
    void withoutAPauseItIsTheInactivity_8() {
        assertEquals(INACTIVITY, allowance.idle());
        allowance.resumed();
        assertEquals(INACTIVITY, allowance.idle(), "a request with no pause before it changes nothing");
    }

    @Test
    void aPauseInForceSetsItLongerOrShorter_R31() {
        allowance.paused(LONG);
        assertEquals(LONG, allowance.idle());

        allowance.paused(SHORT);
        assertEquals(SHORT, allowance.idle(), "a pause under the inactivity shortens the window (R31)");
    }

    @Test
    void theNextRequestEndsThePause_R31() {
        allowance.paused(LONG);
        allowance.resumed();

        assertEquals(INACTIVITY, allowance.idle());
    }

    @Test
    void anEarlyPauseKeepsTheSessionForItWhileItWaitsForItsTurn_10_14_2() {
        allowance.pauseArrivedEarly(LONG);
        assertEquals(LONG, allowance.idle());

        allowance.resumed();
        assertEquals(LONG, allowance.idle(), "only the processed pause ends with the next request");
    }

    @Test
    void anEarlyPauseShorterThanTheInactivityDoesNotShortenItBeforeItsTurn() {
        allowance.pauseArrivedEarly(SHORT);

        assertEquals(INACTIVITY, allowance.idle());
    }

    @Test
    void anEarlyPauseProcessedInTurnIsAPauseInForceThenEndsWithTheNextRequest_R31() {
        allowance.pauseArrivedEarly(LONG);
        allowance.paused(LONG);
        assertEquals(LONG, allowance.idle());

        allowance.resumed();
        assertEquals(INACTIVITY, allowance.idle(), "the early pause is not kept past its turn");
    }

    @Test
    void aPauseInForceWinsOverALaterEarlyOne() {
        allowance.paused(SHORT);
        allowance.pauseArrivedEarly(LONG);

        assertEquals(SHORT, allowance.idle(), "in force until the next request; the early one waits its turn");
    }

    @Test
    void itsDescriptionNamesWhatIsInForce() {
        assertEquals("", allowance.toString());
        allowance.pauseArrivedEarly(LONG);
        assertEquals(" early pause=PT1M30S", allowance.toString());
        allowance.paused(SHORT);
        assertEquals(" paused=PT30S", allowance.toString());
    }
}
