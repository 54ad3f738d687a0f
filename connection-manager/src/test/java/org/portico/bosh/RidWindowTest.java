package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RidWindow} as a table of scripts. Each script runs steps against one window and checks each outcome:
 * <pre>
 *   req 11 -&gt; PROCESS             onRequest(11) is a Process (likewise DEFER, HELD_REPEAT x2, REJECT ...)
 *   req 11 -&gt; REPLAY r11 x1       a Replay of the text "r11", the first repeat of that rid
 *   ready -&gt; 12 | ready -&gt; none   nextDeferredReady()
 *   answer 11 at 500              answered(11, "r11", 500)
 *   unbuffered 11                 answeredUnbuffered(11), e.g. a pause response
 *   drop 12 -&gt; true              dropDeferred(12)
 *   giveup -&gt; 11..12             giveUpGap() gave up rids 11 to 12
 *   ack 10 at 1900 -&gt; report 11 after 1400 | ack 10 at 900 -&gt; none
 *   ackattr 11 -&gt; 12 | ackattr 11 -&gt; none
 *   unanswered -&gt; 2               unansweredCount()
 *   show -&gt; RidWindow[...]        toString()
 * </pre>
 * Rids may be written {@code MAX}, {@code MAX-1}, {@code MAX+1} for 2^53−1 and its neighbours. The setup names
 * {@code init}, {@code window}, {@code acks}, and optionally {@code max} (responses buffered) and {@code after}
 * (reportAfterMillis, default {@link RidWindow#DEFAULT_REPORT_AFTER_MILLIS}).
 */
class RidWindowTest {

    /** §14.2: in-order processing, deferral of early rids, and the window. */
    static Stream<Arguments> ordering() {
        return Stream.of(
                Arguments.of("in-order rids are processed and held until answered (§14.2, R40)",
                        "init=10 window=2 acks=off",
                        "req 11 -> PROCESS; unanswered -> 2; answer 10 at 0; req 12 -> PROCESS; answer 11 at 1;"
                                + " show -> RidWindow[last=12 deferred=[] held=[12] buffered=10..11]"),
                Arguments.of("out-of-order 2-3-1 arrival is deferred, then drained in rid order (§14.2, R40)",
                        "init=10 window=3 acks=off",
                        "req 12 -> DEFER; req 13 -> DEFER; ready -> none; unanswered -> 3;"
                                + " show -> RidWindow[last=10 deferred=[12,13] held=[10] buffered=none];"
                                + " req 11 -> PROCESS; ready -> 12; ready -> 13; ready -> none;"
                                + " show -> RidWindow[last=13 deferred=[] held=[10,11,12,13] buffered=none]"),
                Arguments.of("a gap that stays open keeps the later rid deferred (§14.2, R40)",
                        "init=10 window=3 acks=off",
                        "req 11 -> PROCESS; req 13 -> DEFER; ready -> none; answer 10 at 0; answer 11 at 0;"
                                + " ready -> none; req 12 -> PROCESS; ready -> 13; ready -> none"),
                Arguments.of("a deferred rid answered with a recoverable error is deferred again when resent (§17.3)",
                        "init=10 window=3 acks=off",
                        "req 12 -> DEFER; drop 12 -> true; drop 12 -> false; unanswered -> 1; req 11 -> PROCESS;"
                                + " ready -> none; req 12 -> PROCESS"),
                Arguments.of("a gap given up lets the rids after it through, in order (§14.2, R40)",
                        "init=10 window=3 acks=off",
                        "req 13 -> DEFER; req 12 -> DEFER; giveup -> 11..11; ready -> 12; ready -> 13;"
                                + " ready -> none; show -> RidWindow[last=13 deferred=[] held=[10,12,13] givenUp=[11]"
                                + " buffered=none]"),
                Arguments.of("a given-up rid that comes after all is late, once; then item-not-found (§14.2)",
                        "init=10 window=3 acks=off",
                        "req 12 -> DEFER; giveup -> 11..11; ready -> 12; req 11 -> LATE; req 11 -> REJECT;"
                                + " unanswered -> 2; req 13 -> PROCESS"),
                Arguments.of("only the lowest gap is given up; a second gap waits on (§14.2)",
                        "init=10 window=4 acks=off",
                        "req 12 -> DEFER; req 14 -> DEFER; giveup -> 11..11; ready -> 12; ready -> none;"
                                + " req 13 -> PROCESS; ready -> 14"),
                Arguments.of("a given-up rid a window behind is item-not-found (R46)",
                        "init=10 window=2 acks=off",
                        "req 12 -> DEFER; giveup -> 11..11; ready -> 12; req 13 -> PROCESS; req 11 -> REJECT"),
                Arguments.of("a rid exactly at lastInOrder+window is accepted (§14.2, R41)",
                        "init=10 window=2 acks=off",
                        "req 12 -> DEFER; req 11 -> PROCESS; ready -> 12; req 14 -> DEFER"),
                Arguments.of("a rid beyond lastInOrder+window is item-not-found (§14.2, R41)",
                        "init=10 window=2 acks=off",
                        "req 13 -> REJECT; req 11 -> PROCESS; req 14 -> REJECT; req 13 -> DEFER"),
                Arguments.of("a rejected rid leaves the window as it was (§14.2, R41)",
                        "init=10 window=2 acks=off",
                        "req 99 -> REJECT; show -> RidWindow[last=10 deferred=[] held=[10] buffered=none]"),
                Arguments.of("rids outside 1..2^53-1 are item-not-found (§14.1, R39)",
                        "init=10 window=2 acks=off",
                        "req 0 -> REJECT; req -1 -> REJECT; req MAX+1 -> REJECT"),
                Arguments.of("rids run up to exactly 2^53-1 and no further (§14.1, R39)",
                        "init=MAX-1 window=2 acks=off",
                        "req MAX+1 -> REJECT; req MAX -> PROCESS; req MAX+1 -> REJECT; req MAX -> HELD_REPEAT x1"));
    }

    /** Nothing deferred, nothing to give up. */
    @Test
    void givingUpAGapWhenNoRidWaitsForOneIsAnError() {
        RidWindow window = new RidWindow(10, 2, false, 2);
        assertThrows(IllegalStateException.class, window::giveUpGap);
    }

    /** §14.3: repeated rids, the response buffer, and item-not-found for what cannot be resent. */
    static Stream<Arguments> repeats() {
        return Stream.of(
                Arguments.of("a repeated answered rid replays its buffered response, counting repeats (R43, R45)",
                        "init=10 window=2 acks=off",
                        "req 11 -> PROCESS; answer 10 at 0; answer 11 at 5; req 11 -> REPLAY r11 x1;"
                                + " req 11 -> REPLAY r11 x2; req 10 -> REPLAY r10 x1"),
                Arguments.of("a repeated held rid is a held repeat, counting repeats (§14.3, R44, R45)",
                        "init=10 window=2 acks=off",
                        "req 11 -> PROCESS; req 11 -> HELD_REPEAT x1; req 11 -> HELD_REPEAT x2;"
                                + " answer 10 at 0; answer 11 at 1; req 11 -> REPLAY r11 x3"),
                Arguments.of("the creation rid is held until its response is sent (§7.2, R44)",
                        "init=10 window=2 acks=off",
                        "req 10 -> HELD_REPEAT x1; answer 10 at 0; req 10 -> REPLAY r10 x2"),
                Arguments.of("a repeated deferred rid is a duplicate of the stored request (§14.3, R44)",
                        "init=10 window=3 acks=off",
                        "req 12 -> DEFER; req 12 -> DUPLICATE_DEFERRED x1; unanswered -> 2; req 11 -> PROCESS;"
                                + " ready -> 12; req 12 -> HELD_REPEAT x2"),
                Arguments.of("without acks the last `window` responses are kept; older is item-not-found (R42, R46)",
                        "init=10 window=2 acks=off",
                        "req 11 -> PROCESS; req 12 -> PROCESS; answer 10 at 0; answer 11 at 1; answer 12 at 2;"
                                + " req 10 -> REJECT; req 11 -> REPLAY r11 x1; req 12 -> REPLAY r12 x1;"
                                + " show -> RidWindow[last=12 deferred=[] held=[] buffered=11..12]"),
                Arguments.of("a pause response is not buffered, so its repeat is item-not-found (§14.3, R42, R46)",
                        "init=10 window=2 acks=off",
                        "answer 10 at 0; req 11 -> PROCESS; unbuffered 11; req 11 -> REJECT; req 10 -> REPLAY r10 x1"),
                Arguments.of("a rid far below the window is item-not-found, like one too high (§14.3, R46)",
                        "init=1000 window=2 acks=off",
                        "req 1 -> REJECT; req 999 -> REJECT"));
    }

    /** §9: request acks on responses, the client's response acks, reports, and buffer trimming by acks. */
    static Stream<Arguments> acknowledgements() {
        return Stream.of(
                Arguments.of("with acks, responses carry the highest in-order rid unless it is theirs (§9.1, R27)",
                        "init=10 window=3 acks=on",
                        "ackattr 10 -> 10; req 11 -> PROCESS; ackattr 11 -> none; req 12 -> PROCESS;"
                                + " ackattr 11 -> 12; req 14 -> DEFER; ackattr 12 -> none"),
                Arguments.of("with acks, the creation response carries ack=its own rid, always (§7.2, R18)",
                        "init=10 window=3 acks=on",
                        "req 11 -> PROCESS; req 12 -> PROCESS; ackattr 10 -> 10"),
                Arguments.of("without acks, responses carry no ack (§9.1, R27)",
                        "init=10 window=3 acks=off",
                        "ackattr 10 -> none; req 11 -> PROCESS; req 12 -> PROCESS; ackattr 11 -> none"),
                Arguments.of("with acks, every unacknowledged response stays buffered beyond the window (§14.3, R42)",
                        "init=10 window=1 acks=on max=8",
                        "answer 10 at 0; req 11 -> PROCESS; answer 11 at 0; req 12 -> PROCESS; answer 12 at 0;"
                                + " req 10 -> REPLAY r10 x1;"
                                + " show -> RidWindow[last=12 deferred=[] held=[] buffered=10..12 ack=9]"),
                Arguments.of("the client's ack trims the buffer to the rids above it (§9.2, R28, R42)",
                        "init=10 window=1 acks=on max=8",
                        "answer 10 at 0; req 11 -> PROCESS; answer 11 at 0; req 12 -> PROCESS; ack 11 at 0 -> none;"
                                + " answer 12 at 0; req 10 -> REJECT; req 11 -> REJECT; req 12 -> REPLAY r12 x1;"
                                + " show -> RidWindow[last=12 deferred=[] held=[] buffered=12..12 ack=11]"),
                Arguments.of("with acks, acknowledged responses of the last `window` stay buffered, so a late copy of"
                                + " a request that a reloading page abandoned is resent, not the session's end"
                                + " (§14.3, R42, R43)",
                        "init=10 window=3 acks=on max=8",
                        "answer 10 at 0; req 11 -> PROCESS; answer 11 at 0; req 12 -> PROCESS; ack 11 at 0 -> none;"
                                + " answer 12 at 0; req 13 -> PROCESS; ack 12 at 0 -> none; answer 13 at 0;"
                                + " req 11 -> REPLAY r11 x1; req 10 -> REJECT;"
                                + " show -> RidWindow[last=13 deferred=[] held=[] buffered=11..13 ack=12]"),
                Arguments.of("an ack below one already received reports nothing: that response was acknowledged"
                                + " (§9.2, R28)",
                        "init=10 window=3 acks=on",
                        "answer 10 at 1000; req 11 -> PROCESS; answer 11 at 2000; req 12 -> PROCESS;"
                                + " ack 11 at 2100 -> none; answer 12 at 3000; req 13 -> PROCESS;"
                                + " ack 10 at 9000 -> none; ack 11 at 9000 -> report 12 after 6000"),
                Arguments.of("with acks, maxBuffered bounds the buffer of a client that never acks (R42)",
                        "init=10 window=1 acks=on max=2",
                        "answer 10 at 0; req 11 -> PROCESS; answer 11 at 0; req 12 -> PROCESS; answer 12 at 0;"
                                + " req 10 -> REJECT; req 11 -> REPLAY r11 x1"),
                Arguments.of("an ack below the last answered rid reports the next one with its age (§9.2, R28)",
                        "init=10 window=2 acks=on",
                        "answer 10 at 1000; req 11 -> PROCESS; answer 11 at 2000; req 12 -> PROCESS;"
                                + " answer 12 at 3000; req 13 -> PROCESS; ack 10 at 4500 -> report 11 after 2500;"
                                + " req 11 -> REPLAY r11 x1"),
                Arguments.of("an ack lagging behind a response younger than reportAfter reports nothing: the"
                                + " response may still be on its way, as when jbosh acks from its response callback"
                                + " (§9.2 'if some time has passed', R28)",
                        "init=10 window=2 acks=on after=1000",
                        "answer 10 at 1000; req 11 -> PROCESS; answer 11 at 2000; req 12 -> PROCESS;"
                                + " ack 10 at 2999 -> none; ack 10 at 3000 -> report 11 after 1000"),
                Arguments.of("reportAfter 0 reports a lagging ack at once (§9.2, R28)",
                        "init=10 window=2 acks=on after=0",
                        "answer 10 at 1000; req 11 -> PROCESS; answer 11 at 2000; req 12 -> PROCESS;"
                                + " ack 10 at 2000 -> report 11 after 0"),
                Arguments.of("an ack of the last answered rid reports nothing (§9.2, R28)",
                        "init=10 window=2 acks=on",
                        "answer 10 at 1000; req 11 -> PROCESS; answer 11 at 2000; req 12 -> PROCESS;"
                                + " ack 11 at 2100 -> none"),
                Arguments.of("no report for a missed response that cannot be resent (§9.2, §14.3, R28, R42)",
                        "init=10 window=2 acks=on",
                        "answer 10 at 1000; req 11 -> PROCESS; unbuffered 11; req 12 -> PROCESS; answer 12 at 3000;"
                                + " req 13 -> PROCESS; ack 10 at 4000 -> none"),
                Arguments.of("an ack above every answered rid acknowledges only what was answered (§9.2)",
                        "init=10 window=2 acks=on",
                        "answer 10 at 0; req 11 -> PROCESS; ack 99 at 0 -> none; answer 11 at 0;"
                                + " req 11 -> REPLAY r11 x1;"
                                + " show -> RidWindow[last=11 deferred=[] held=[] buffered=10..11 ack=10]"),
                Arguments.of("without acks the client's ack is ignored: the window alone trims (§9.2, R42)",
                        "init=10 window=2 acks=off",
                        "answer 10 at 0; req 11 -> PROCESS; answer 11 at 5; ack 10 at 10 -> none;"
                                + " req 10 -> REPLAY r10 x1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ordering")
    void ridsAreProcessedInOrderDeferredInsideTheWindowAndRejectedOutside(String behaviour, String setup,
            String script) {
        run(behaviour, setup, script);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("repeats")
    void repeatedRidsAreReplayedHeldOrRejected(String behaviour, String setup, String script) {
        run(behaviour, setup, script);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acknowledgements")
    void acknowledgementsMarkResponsesTrimTheBufferAndReportLosses(String behaviour, String setup,
            String script) {
        run(behaviour, setup, script);
    }

    private static void run(String behaviour, String setup, String script) {
        RidWindow window = create(setup);
        for (String rawStep : script.split(";")) {
            String step = rawStep.trim();
            String[] parts = step.split("\\s*->\\s*", 2);
            String[] action = parts[0].split("\\s+");
            String expected = parts.length > 1 ? parts[1] : null;
            String context = "step '" + step + "' of: " + behaviour + " with " + window;
            switch (action[0]) {
                case "req" -> checkDecision(window.onRequest(rid(action[1])), rid(action[1]), expected, context);
                case "ready" -> assertEquals(optional(expected), window.nextDeferredReady(), context);
                case "answer" -> window.answered(rid(action[1]), "r" + action[1], Long.parseLong(action[3]));
                case "unbuffered" -> window.answeredUnbuffered(rid(action[1]));
                case "giveup" -> {
                    long[] lost = window.giveUpGap();
                    assertEquals(expected, lost[0] + ".." + lost[1], context);
                }
                case "drop" -> assertEquals(Boolean.parseBoolean(expected), window.dropDeferred(rid(action[1])),
                        context);
                case "ack" -> {
                    Optional<RidWindow.Report> report = window.onClientAck(rid(action[1]), Long.parseLong(action[3]));
                    if (expected.equals("none")) {
                        assertEquals(Optional.empty(), report, context);
                    } else {
                        String[] r = expected.split("\\s+");
                        assertEquals(Optional.of(new RidWindow.Report(rid(r[1]), Long.parseLong(r[3]))), report,
                                context);
                    }
                }
                case "ackattr" -> assertEquals(optional(expected), window.ackAttributeFor(rid(action[1])), context);
                case "unanswered" -> assertEquals(Integer.parseInt(expected), window.unansweredCount(), context);
                case "show" -> assertEquals(expected, window.toString(), context);
                default -> throw new IllegalArgumentException("unknown step " + step);
            }
        }
    }

    private static void checkDecision(RidWindow.Decision decision, long rid, String expected, String context) {
        String[] e = expected.split("\\s+");
        RidWindow.Kind kind = RidWindow.Kind.valueOf(e[0]);
        assertEquals(kind, decision.kind(), context);
        assertEquals(rid, decision.rid(), context);
        assertEquals(kind == RidWindow.Kind.REPLAY ? e[1] : null, decision.response(), context);
        assertEquals(kind.isRepeat() ? repeats(e[e.length - 1]) : 0, decision.repeats(), context);
    }

    private static int repeats(String xN) {
        return Integer.parseInt(xN.substring(1));
    }

    private static OptionalLong optional(String value) {
        return value.equals("none") ? OptionalLong.empty() : OptionalLong.of(rid(value));
    }

    private static long rid(String text) {
        if (text.startsWith("MAX")) {
            return RidWindow.MAX_RID + (text.length() > 3 ? Long.parseLong(text.substring(3)) : 0);
        }
        return Long.parseLong(text);
    }

    private static RidWindow create(String setup) {
        long init = 0;
        int window = 0;
        boolean acks = false;
        Integer max = null;
        long after = RidWindow.DEFAULT_REPORT_AFTER_MILLIS;
        for (String setting : setup.split("\\s+")) {
            String[] kv = setting.split("=");
            switch (kv[0]) {
                case "init" -> init = rid(kv[1]);
                case "window" -> window = Integer.parseInt(kv[1]);
                case "acks" -> acks = kv[1].equals("on");
                case "max" -> max = Integer.parseInt(kv[1]);
                case "after" -> after = Long.parseLong(kv[1]);
                default -> throw new IllegalArgumentException(setting);
            }
        }
        return new RidWindow(init, window, acks, max == null ? Math.max(window, 8) : max, after);
    }

    @ParameterizedTest(name = "answering rid {1} when {0} is the oldest held breaks rid order (§8, R24)")
    @CsvSource({"10, 11", "10, 9", "10, 12"})
    void answeringAnyRidButTheOldestHeldThrows(long oldest, long answered) {
        RidWindow window = new RidWindow(oldest, 3, false, 3);
        window.onRequest(oldest + 1);
        window.onRequest(oldest + 2);
        assertThrows(IllegalStateException.class, () -> window.answered(answered, "x", 0));
        assertThrows(IllegalStateException.class, () -> window.answeredUnbuffered(answered));
        assertEquals(OptionalLong.of(oldest), window.oldestHeld());
    }

    @Test
    void answeringANeverHeldRidThrows() {
        RidWindow window = new RidWindow(10, 2, false, 2);
        window.answered(10, "r10", 0);
        assertThrows(IllegalStateException.class, () -> window.answered(10, "again", 0));
        assertEquals(OptionalLong.empty(), window.oldestHeld());
    }

    @Test
    void anUndeliveredResponseIsReplacedUnlessARepeatWasAlreadyGivenIt_R43() {
        RidWindow window = new RidWindow(10, 2, false, 2);
        window.answered(10, "r10", 0);
        window.onRequest(11);
        window.answered(11, "r11", 0);

        assertTrue(window.replaceUndelivered(10, "empty"), "nobody had it: its payloads are queued again");
        assertEquals("empty", window.onRequest(10).response(), "so a resend carries them no more");
    }

    @Test
    void anUndeliveredResponseAlreadyResentKeepsItsPayloadsWithTheResend_R43() {
        RidWindow window = new RidWindow(10, 2, false, 2);
        window.answered(10, "r10", 0);
        assertEquals("r10", window.onRequest(10).response());

        assertFalse(window.replaceUndelivered(10, "empty"), "the resend carries them: not queued again");
        assertEquals("r10", window.onRequest(10).response());
    }

    @ParameterizedTest(name = "new RidWindow(initialRid={0}, window={1}, maxBuffered={2}, reportAfter={3}) is refused")
    @CsvSource({"0, 2, 2, 0", "-5, 2, 2, 0", "9007199254740992, 2, 2, 0", "10, 0, 2, 0", "10, 3, 2, 0",
            "10, 2, 2, -1"})
    void invalidConfigurationIsRefusedWithAReason(long initialRid, int window, int maxBuffered, long reportAfter) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RidWindow(initialRid, window, false, maxBuffered, reportAfter));
        assertEquals(true, e.getMessage().length() > 10, e.getMessage());
    }
}
