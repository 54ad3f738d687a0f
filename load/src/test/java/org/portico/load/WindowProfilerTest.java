package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --profile}: the profiler is started and stopped in another JVM through {@code jcmd}, as the generator does
 * with each Portico at the edges of a measured window.
 */
@Timeout(120)
class WindowProfilerTest {

    /** The profiled process: a JVM that only waits to be stopped. */
    public static final class Waiting {
        public static void main(String[] args) throws InterruptedException {
            System.out.println("ready");
            Thread.sleep(TimeUnit.MINUTES.toMillis(2));
        }
    }

    private Process profiled;

    @BeforeEach
    void startProfiledJvm() throws IOException {
        profiled = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m",
                "-cp", System.getProperty("java.class.path"), Waiting.class.getName()).redirectErrorStream(true)
                .start();
        String first = new String(profiled.getInputStream().readNBytes("ready".length()));
        assertTrue(first.equals("ready"), "the profiled JVM started: " + first);
    }

    @AfterEach
    void stopProfiledJvm() throws InterruptedException {
        profiled.destroyForcibly().waitFor();
    }

    @Test
    void aWindowsJfrProfileIsWrittenBesideTheJsonLinesAndNamedInTheRow(@TempDir Path dir) throws IOException {
        WindowProfiler jfr = WindowProfiler.parse("jfr");
        Target target = new Target("prosody", Target.Kind.PORTICO_WS, "ws://127.0.0.1:1/xmpp-websocket",
                List.of(new Target.Watched("portico", profiled.pid()), new Target.Watched("server", 1)));
        Map<String, Object> row = new LinkedHashMap<>();

        jfr.startWindow(target, row);
        jfr.stopWindow(target, 3, dir.resolve("latency-20261205T214237Z.jsonl"), row);

        Path file = dir.resolve("latency-20261205T214237Z-prosody-portico-ws-w3.jfr");
        assertEquals(Map.of("portico_profile", file.toString()), row);
        assertTrue(Files.size(file) > 0, "a recording was written to " + file);
    }

    @Test
    void aLibraryThatIsNoProfilerIsReportedNotIgnored(@TempDir Path dir) throws IOException {
        Path notAProfiler = Files.writeString(dir.resolve("libasyncProfiler.so"), "not a shared object");
        WindowProfiler cpu = WindowProfiler.parse("cpu:" + notAProfiler);

        assertThrows(IOException.class, () -> cpu.start(profiled.pid()));
    }

    @Test
    void stoppingWhatWasNeverStartedIsReported(@TempDir Path dir) {
        WindowProfiler jfr = WindowProfiler.parse("jfr");

        assertThrows(IOException.class, () -> jfr.stop(profiled.pid(), dir.resolve("never.jfr")));
    }
}
