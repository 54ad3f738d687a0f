package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.store.testing.ManualTicker;

/**
 * XEP-0124 §7 (R25): the connection manager must not hold a request longer than its {@code wait}. A script table on
 * a beat of 500 ms: {@code a=0.0+30} request a held at 0.0 s for a 30 s wait, {@code -a} request a answered or its
 * client gone, {@code @29.6} a beat at 29.6 s; the expected column is what each beat answers ({@code .} nothing).
 */
class HeldRequestWaitsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // answered by the last beat before the wait ends: never late, less than a beat early
            "a=0.0+30 @29.0 @29.6 @30.1                 | . a .",
            "a=0.2+30 @29.5 @30.0                       | . a",
            // each request its own wait; a beat answers all that are due
            "a=0.0+30 c=0.3+30 d=1.0+30 @29.9 @30.6      | a,c d",
            // one answered before its wait ended, or whose client left, is not answered again
            "a=0.0+30 c=0.0+30 -a @29.9 @30.4            | c .",
            // nothing is answered twice, however many beats follow
            "a=0.0+5 @4.6 @5.1 @5.6                      | a . .",
    })
    void eachHeldRequestIsAnsweredByTheLastBeatBeforeItsWaitEnds(String script, String expected) {
        ManualTicker clock = new ManualTicker();
        HeldRequestWaits waits = new HeldRequestWaits(clock, Duration.ofMillis(500));
        Map<String, Held> held = new LinkedHashMap<>();
        List<String> beats = new ArrayList<>();
        for (String step : script.trim().split("\\s+")) {
            if (step.startsWith("-")) {
                waits.release(held.get(step.substring(1)));
            } else if (step.contains("=")) {
                String[] at = step.split("[=+]");
                Held request = new Held(at[0], nanos(at[1]) + nanos(at[2]));
                held.put(request.name, request);
                waits.hold(request);
            } else {
                List<String> due = new ArrayList<>();
                waits.due(nanos(step.substring(1))).forEach(request -> due.add(((Held) request).name));
                due.sort(null);
                beats.add(due.isEmpty() ? "." : String.join(",", due));
            }
        }
        assertEquals(expected.trim(), String.join(" ", beats));
    }

    /**
     * The beat's work follows what is due, not what is held (issue 10: with thousands of idle sessions, a walk of
     * every held request twice a second was a third of the beat's time): a beat reads the deadlines of the requests
     * of the beats up to the next one only.
     */
    @Test
    void aBeatLooksOnlyAtTheRequestsWhoseWaitEndsByTheNextBeat() {
        ManualTicker clock = new ManualTicker();
        HeldRequestWaits waits = new HeldRequestWaits(clock, Duration.ofMillis(500));
        List<Counted> later = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            Counted request = new Counted(nanos("30") + i * nanos("0.01"));
            later.add(request);
            waits.hold(request);
        }
        Counted soon = new Counted(nanos("1.2"));
        waits.hold(soon);
        later.forEach(request -> request.reads = 0);
        soon.reads = 0;

        assertEquals(List.of(soon), waits.due(nanos("0.8")));
        assertEquals(0, later.stream().mapToInt(request -> request.reads).sum(), "deadlines of later requests read");
        assertEquals(List.of(), waits.due(nanos("1.0")));
        assertEquals(100, waits.due(nanos("30.5")).size(), "the requests whose wait ends before 31.0 s");
    }

    private static long nanos(String seconds) {
        return Math.round(Double.parseDouble(seconds) * 1e9);
    }

    /**
     * Answers never wait (issue 10), so the beat answers each due request on its own thread, one after the other,
     * and one whose answer fails does not keep the beat from the others: no thread is started per answer.
     */
    @Test
    void theBeatAnswersDueRequestsOnItsOwnThreadAndPastAFailingOne() throws Exception {
        ManualTicker clock = new ManualTicker();
        List<Thread> answeredOn = new CopyOnWriteArrayList<>();
        CountDownLatch answered = new CountDownLatch(2);
        HeldRequestWaits.Waiting failing = new Due(() -> {
            throw new IllegalStateException("played: this answer fails");
        });
        HeldRequestWaits.Waiting first = new Due(() -> {
            answeredOn.add(Thread.currentThread());
            answered.countDown();
        });
        HeldRequestWaits.Waiting second = new Due(() -> {
            answeredOn.add(Thread.currentThread());
            answered.countDown();
        });
        try (HeldRequestWaits waits = new HeldRequestWaits(clock, Duration.ofMillis(1))) {
            waits.hold(failing);
            waits.hold(first);
            waits.hold(second);
            waits.start();
            assertTrue(answered.await(10, TimeUnit.SECONDS), "both requests answered");
        }
        assertEquals(1, answeredOn.stream().distinct().count(), "one thread: " + answeredOn);
        assertFalse(answeredOn.get(0).isVirtual(), "the beat's own thread: " + answeredOn.get(0));
        assertEquals("bosh-waits", answeredOn.get(0).getName());
    }

    /** A request whose wait has ended already; answering it runs {@code answer}. */
    private record Due(Runnable answer) implements HeldRequestWaits.Waiting {
        @Override
        public long deadline() {
            return 0;
        }

        @Override
        public void expired() {
            answer.run();
        }
    }

    /** A held request that counts how often its deadline is read. */
    private static final class Counted implements HeldRequestWaits.Waiting {
        private final long deadline;
        int reads;

        Counted(long deadline) {
            this.deadline = deadline;
        }

        @Override
        public long deadline() {
            reads++;
            return deadline;
        }

        @Override
        public void expired() {
            throw new AssertionError("the beat's thread is not started in this test");
        }
    }

    private record Held(String name, long deadline) implements HeldRequestWaits.Waiting {
        @Override
        public void expired() {
            throw new AssertionError("the beat's thread is not started in this test");
        }
    }
}
