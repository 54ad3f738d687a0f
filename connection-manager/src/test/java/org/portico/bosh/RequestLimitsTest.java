package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RequestLimits} as a table of scripts. Limits are {@code requests=N hold=N polling=Ns max-repeats=N}
 * ({@code hold=0} is a polling session); steps are
 * <pre>
 *   created at 0                              the session creation request
 *   at 1000 unanswered 2 empty -&gt; ALLOW        a new request (kinds: empty, full, pause, terminate)
 *   responded empty | responded payloads      the response just sent
 *   repeat 3 -&gt; POLICY_VIOLATION               the 3rd repeat of one rid
 * </pre>
 */
class RequestLimitsTest {

    static Stream<Arguments> scripts() {
        return Stream.of(
                Arguments.of("up to `requests` unanswered requests are allowed (§11, R33)",
                        "requests=2 polling=0 hold=1",
                        "at 0 unanswered 1 full -> ALLOW; at 10 unanswered 2 full -> ALLOW"),
                Arguments.of("more than `requests` unanswered requests is a policy violation (§11, R33)",
                        "requests=2 polling=0 hold=1",
                        "at 0 unanswered 2 full -> ALLOW; at 10 unanswered 3 full -> TOO_MANY_SIMULTANEOUS"),
                Arguments.of("one extra request is allowed to pause (§11, R33)",
                        "requests=2 polling=0 hold=1",
                        "at 0 unanswered 3 pause -> ALLOW; at 10 unanswered 4 pause -> TOO_MANY_SIMULTANEOUS"),
                Arguments.of("one extra request is allowed to terminate (§11, R33)",
                        "requests=2 polling=0 hold=1",
                        "at 0 unanswered 3 terminate -> ALLOW"),
                Arguments.of("the limit applies to polling sessions too (§11, R33)",
                        "requests=1 polling=5 hold=0",
                        "at 0 unanswered 2 full -> TOO_MANY_SIMULTANEOUS"),
                Arguments.of("without an advertised `requests` any number is allowed (§11, R35)",
                        "requests=0 polling=5 hold=1",
                        "at 0 unanswered 50 empty -> ALLOW; at 1 unanswered 51 empty -> ALLOW"),
                Arguments.of("`requests` unanswered, the last an empty poll inside `polling`: violation (§11, R34)",
                        "requests=2 polling=5 hold=1",
                        "at 0 unanswered 1 empty -> ALLOW; at 4999 unanswered 2 empty -> TOO_FREQUENT"),
                Arguments.of("the same empty poll once `polling` has passed is allowed (§11, R34)",
                        "requests=2 polling=5 hold=1",
                        "at 0 unanswered 1 empty -> ALLOW; at 5000 unanswered 2 empty -> ALLOW"),
                Arguments.of("a request with payloads inside `polling` is allowed (§11, R34)",
                        "requests=2 polling=5 hold=1",
                        "at 0 unanswered 1 empty -> ALLOW; at 10 unanswered 2 full -> ALLOW"),
                Arguments.of("an empty pause or terminate inside `polling` is allowed (§11, R34)",
                        "requests=2 polling=5 hold=1",
                        "at 0 unanswered 1 empty -> ALLOW; at 10 unanswered 2 pause -> ALLOW;"
                                + " at 20 unanswered 2 terminate -> ALLOW"),
                Arguments.of("an empty poll inside `polling` below `requests` unanswered is allowed (§11, R34)",
                        "requests=3 polling=5 hold=1",
                        "at 0 unanswered 1 empty -> ALLOW; at 10 unanswered 2 empty -> ALLOW"),
                Arguments.of("polling session: §12 replaces the frequency rule of §11 (§11 ¶4, §12, R34, R37)",
                        "requests=1 hold=0 polling=5",
                        "at 0 unanswered 1 empty -> ALLOW; responded payloads; at 10 unanswered 1 empty -> ALLOW;"
                                + " responded empty; at 20 unanswered 1 empty -> POLLING_TOO_FREQUENT"),
                Arguments.of("polling session: a quick empty poll right after creation is allowed (§12, R37)",
                        "requests=1 hold=0 polling=5",
                        "created at 0; at 10 unanswered 1 empty -> ALLOW"),
                Arguments.of("the creation request counts as the previous request (§11, R34)",
                        "requests=2 polling=5 hold=1",
                        "created at 0; at 10 unanswered 2 empty -> TOO_FREQUENT"),
                Arguments.of("the very first request has no previous one to be too close to (§11, R34)",
                        "requests=1 polling=5 hold=1",
                        "at 0 unanswered 1 empty -> ALLOW"),
                Arguments.of("without an advertised `polling` any frequency is allowed (§11, §12, R35)",
                        "requests=2 polling=0 hold=0",
                        "at 0 unanswered 1 empty -> ALLOW; responded empty; at 1 unanswered 1 empty -> ALLOW;"
                                + " at 2 unanswered 2 empty -> ALLOW"),
                Arguments.of("polling session: two empty polls inside `polling` after an empty response (§12, R37)",
                        "requests=2 polling=5 hold=0",
                        "at 0 unanswered 1 empty -> ALLOW; responded empty; at 4000 unanswered 1 empty"
                                + " -> POLLING_TOO_FREQUENT"),
                Arguments.of("polling session: the second poll after `polling` is allowed (§12, R37)",
                        "requests=2 polling=5 hold=0",
                        "at 0 unanswered 1 empty -> ALLOW; responded empty; at 5000 unanswered 1 empty -> ALLOW;"
                                + " responded empty; at 10000 unanswered 1 empty -> ALLOW"),
                Arguments.of("polling session: a quick poll after a response with payloads is allowed (§12, R37)",
                        "requests=2 polling=5 hold=0",
                        "at 0 unanswered 1 empty -> ALLOW; responded payloads; at 100 unanswered 1 empty -> ALLOW"),
                Arguments.of("polling session: a quick poll after a request with payloads is allowed (§12, R37)",
                        "requests=2 polling=5 hold=0",
                        "at 0 unanswered 1 full -> ALLOW; responded empty; at 100 unanswered 1 empty -> ALLOW"),
                Arguments.of("polling session: sending payloads quickly is allowed (§12, R37)",
                        "requests=2 polling=5 hold=0",
                        "at 0 unanswered 1 empty -> ALLOW; responded empty; at 100 unanswered 1 full -> ALLOW"),
                Arguments.of("the rule of §12 is for polling sessions only (§12, R37)",
                        "requests=2 polling=5 hold=1",
                        "at 0 unanswered 1 empty -> ALLOW; responded empty; at 100 unanswered 1 empty -> ALLOW"),
                Arguments.of("repeats of one rid are capped when configured (§14.3, R45)",
                        "requests=2 polling=0 max-repeats=2 hold=1",
                        "repeat 1 -> ALLOW; repeat 2 -> ALLOW; repeat 3 -> TOO_MANY_REPEATS"),
                Arguments.of("repeats of one rid are unlimited without a cap (§14.3, R45)",
                        "requests=2 polling=0 max-repeats=0 hold=1",
                        "repeat 1 -> ALLOW; repeat 1000 -> ALLOW"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void requestsAreAllowedOrArePolicyViolations(String behaviour, String limits, String script) {
        RequestLimits requestLimits = limits(limits);
        for (String rawStep : script.split(";")) {
            String step = rawStep.trim();
            String[] parts = step.split("\\s*->\\s*");
            String[] words = parts[0].split("\\s+");
            String context = "step '" + step + "' of: " + behaviour + " with " + requestLimits;
            switch (words[0]) {
                case "created" -> requestLimits.requestArrived(Long.parseLong(words[2]));
                case "at" -> {
                    String kind = words[4];
                    RequestLimits.Verdict verdict = requestLimits.check(Integer.parseInt(words[3]),
                            kind.equals("pause") || kind.equals("terminate"), !kind.equals("full"),
                            Long.parseLong(words[1]));
                    assertEquals(RequestLimits.Verdict.valueOf(parts[1]), verdict, context);
                    assertEquals(parts[1].equals("ALLOW"), verdict.allowed(), context);
                }
                case "responded" -> requestLimits.responded(words[1].equals("payloads"));
                case "repeat" -> assertEquals(RequestLimits.Verdict.valueOf(parts[1]),
                        requestLimits.checkRepeat(Integer.parseInt(words[1])), context);
                default -> throw new IllegalArgumentException(step);
            }
        }
    }

    private static RequestLimits limits(String text) {
        int requests = 0;
        int hold = 1;
        Duration polling = Duration.ZERO;
        int maxRepeats = 0;
        for (String setting : text.split("\\s+")) {
            String[] kv = setting.split("=");
            switch (kv[0]) {
                case "requests" -> requests = Integer.parseInt(kv[1]);
                case "hold" -> hold = Integer.parseInt(kv[1]);
                case "polling" -> polling = Duration.ofSeconds(Long.parseLong(kv[1]));
                case "max-repeats" -> maxRepeats = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException(setting);
            }
        }
        return new RequestLimits(requests, hold, polling, maxRepeats);
    }

    @ParameterizedTest(name = "RequestLimits(requests={0}, hold={1}, polling={2}ms, maxRidRepeats={3}) is refused")
    @CsvSource({"-1, 1, 0, 0", "1, -1, 0, 0", "1, 1, -1, 0", "1, 1, 0, -1"})
    void invalidLimitsAreRefused(int requests, int hold, long pollingMillis, int maxRepeats) {
        assertThrows(IllegalArgumentException.class,
                () -> new RequestLimits(requests, hold, Duration.ofMillis(pollingMillis), maxRepeats));
    }
}
