package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Threads ended by what nothing caught are counted by kind and reported once, with the first one's stack trace. */
class UncaughtTallyTest {

    @Test
    void eachKindIsOneCountedLineWithTheStackTraceOfItsFirstOccurrence() throws InterruptedException {
        UncaughtTally tally = new UncaughtTally();
        for (int i = 0; i < 3; i++) {
            Thread reader = Thread.ofVirtual().name("bosh-http").uncaughtExceptionHandler(tally)
                    .unstarted(UncaughtTallyTest::readFromAClosedSocket);
            reader.start();
            reader.join();
        }

        List<String> lines = report(tally);

        assertEquals("# 3 threads ended by an exception nothing caught: bosh-http: "
                + "java.net.SocketException: Socket closed", lines.get(0));
        assertEquals("#   first: java.net.SocketException: Socket closed", lines.get(1));
        assertTrue(lines.get(2).startsWith("#     at org.portico.load.UncaughtTallyTest.readFromAClosedSocket("),
                lines.get(2));
        assertTrue(lines.stream().allMatch(line -> line.startsWith("#")), "every line is a comment: " + lines);
    }

    @Test
    void differentThreadsOrExceptionsAreDifferentKinds() {
        UncaughtTally tally = new UncaughtTally();
        tally.uncaughtException(new Thread("c2s-reader"), new IllegalStateException("a"));
        tally.uncaughtException(new Thread("c2s-reader"), new IllegalStateException("b"));
        tally.uncaughtException(new Thread("ws-reader"), new IllegalStateException("a"));

        List<String> lines = report(tally);
        List<String> counts = lines.stream().filter(line -> line.contains("threads ended")).toList();

        assertEquals(3, counts.size(), counts.toString());
        assertTrue(counts.stream().allMatch(line -> line.startsWith("# 1 threads ended")), counts.toString());
        assertTrue(lines.size() <= 3 * (2 + UncaughtTally.FRAMES + 1),
                "each stack trace is cut short: " + lines.size());
        assertTrue(lines.stream().anyMatch(line -> line.matches("#     \\.\\.\\. [0-9]+ more frames")),
                lines.toString());
    }

    @Test
    void aWrappedExceptionIsReportedWithItsCausesEachCutShort() {
        UncaughtTally tally = new UncaughtTally();
        IllegalStateException wrapper = new IllegalStateException("turn failed",
                new UncheckedIOException(new SocketException("Connection reset")));
        tally.uncaughtException(new Thread("turn"), wrapper);

        List<String> lines = report(tally);

        List<String> causes = lines.stream().filter(line -> line.startsWith("#   caused by: ")).toList();
        assertEquals(List.of("#   caused by: java.io.UncheckedIOException: java.net.SocketException: Connection reset",
                "#   caused by: java.net.SocketException: Connection reset"), causes);
        int second = lines.indexOf(causes.get(1));
        assertTrue(lines.get(second + 1).startsWith("#     at org.portico.load.UncaughtTallyTest."
                + "aWrappedExceptionIsReportedWithItsCausesEachCutShort("), lines.get(second + 1));
        long framesAfterSecond = lines.subList(second + 1, lines.size()).stream()
                .filter(line -> line.startsWith("#     at ")).count();
        assertEquals(UncaughtTally.CAUSE_FRAMES, framesAfterSecond, lines.toString());
    }

    @Test
    void aCauseChainThatLoopsEnds() {
        UncaughtTally tally = new UncaughtTally();
        IllegalStateException one = new IllegalStateException("one");
        IllegalArgumentException two = new IllegalArgumentException("two", one);
        one.initCause(two);
        tally.uncaughtException(new Thread("turn"), one);

        List<String> lines = report(tally);

        assertEquals(UncaughtTally.CAUSES, lines.stream().filter(line -> line.startsWith("#   caused by: ")).count(),
                lines.toString());
        assertEquals("#   ... more causes", lines.getLast());
    }

    @Test
    void nothingUncaughtReportsNothing() {
        assertEquals(List.of(), report(new UncaughtTally()));
    }

    /** What the JDK fault lets through: a checked exception from a read, thrown past the reader's catch block. */
    private static void readFromAClosedSocket() {
        UncaughtTallyTest.<RuntimeException>throwUnchecked(new SocketException("Socket closed"));
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void throwUnchecked(Throwable e) throws E {
        throw (E) e;
    }

    private static List<String> report(UncaughtTally tally) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        tally.report(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
