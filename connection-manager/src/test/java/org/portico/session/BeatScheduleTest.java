package org.portico.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The schedule behind the transports' beats (issue 10: a beat's work follows what is due, not how many sessions
 * there are). A script table on a beat of 1 s: {@code a=2.5} entry a due at 2.5 s, {@code -a} entry a removed,
 * {@code <3.0} take what is due before 3.0 s; the expected column is what each take returns ({@code .} nothing).
 */
class BeatScheduleTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // only what is due before the time asked, never what is due at it or after
            "a=2.5 <2.5 <2.6                 | . a",
            // every earlier beat's entries, and of the last beat those due before the time
            "a=0.2 b=1.9 c=2.1 d=2.7 <2.5    | a,b,c",
            // taken entries are gone; the rest stay for a later take
            "a=1.0 b=5.0 <2.0 <2.0 <6.0      | a . b",
            // a removed entry is never taken; removing what is not there changes nothing
            "a=1.0 b=1.0 -a -c <2.0          | b",
            // an entry taken and added again is due at its new time
            "a=1.0 <2.0 a=3.5 <3.0 <4.0      | a . a",
            // negative times (the monotonic clock may start below zero) are kept by their own beats
            "a=-2.5 b=-0.5 <-1.0 <0.0        | a b",
    })
    void takesWhatIsDueBeforeTheTimeAsked(String script, String expected) {
        BeatSchedule<String> schedule = new BeatSchedule<>(Duration.ofSeconds(1));
        Map<String, Long> times = new HashMap<>();
        List<String> takes = new ArrayList<>();
        for (String step : script.trim().split("\\s+")) {
            if (step.startsWith("-")) {
                String name = step.substring(1);
                schedule.remove(name, times.getOrDefault(name, 0L));
            } else if (step.startsWith("<")) {
                List<String> due = new ArrayList<>(schedule.takeDueBefore(nanos(step.substring(1)), times::get));
                due.sort(null);
                takes.add(due.isEmpty() ? "." : String.join(",", due));
            } else {
                String[] entry = step.split("=");
                times.put(entry[0], nanos(entry[1]));
                schedule.add(entry[0], nanos(entry[1]));
            }
        }
        assertEquals(expected.trim(), String.join(" ", takes));
    }

    /** A take reads the times of the entries of the beats up to the time asked only, never of later beats. */
    @Test
    void aTakeLooksOnlyAtTheBeatsUpToTheTimeAsked() {
        BeatSchedule<Integer> schedule = new BeatSchedule<>(Duration.ofSeconds(1));
        Map<Integer, Long> times = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            times.put(i, nanos("25") + i * nanos("0.001"));
            schedule.add(i, times.get(i));
        }
        times.put(-1, nanos("1.5"));
        schedule.add(-1, times.get(-1));
        List<Integer> read = new ArrayList<>();

        assertEquals(List.of(-1), schedule.takeDueBefore(nanos("2.0"), entry -> {
            read.add(entry);
            return times.get(entry);
        }));
        assertEquals(List.of(-1), read, "the times of later entries were read");
        assertEquals(10_000, schedule.size());
        assertEquals(1_000, schedule.takeDueBefore(nanos("26.0"), times::get).size(), "those due before 26 s");
    }

    @Test
    void aBeatMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new BeatSchedule<>(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new BeatSchedule<>(Duration.ofMillis(-1)));
    }

    private static long nanos(String seconds) {
        return Math.round(Double.parseDouble(seconds) * 1e9);
    }
}
