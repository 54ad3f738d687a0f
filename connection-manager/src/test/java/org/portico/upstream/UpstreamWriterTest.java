package org.portico.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.portico.testing.LogCapture;

/**
 * The upstream writer's drain thread, when it ends in a way its own code did not foresee: the stream must fail as on
 * a write error, not keep a drain marked as running that never runs again.
 */
class UpstreamWriterTest {

    /**
     * An exception that passes the drain's catch block (a bug, or JDK-8389310 on JDK 25.0.3, which lets one pass a
     * virtual thread's catch block) is reported once as the stream's write failure, logged as one ERROR line, and
     * the writer stops: what is queued after it is dropped, not stranded behind a drain that never runs.
     */
    @Test
    void aDrainEndedByAnExceptionItDidNotCatchFailsTheStreamInsteadOfStrandingTheQueue() throws Exception {
        CompletableFuture<IOException> failure = new CompletableFuture<>();
        UpstreamWriter writer = new UpstreamWriter("upstream.test", 64 * 1024, failure::complete, null);
        writer.start(new UpstreamOutput.Blocking(new OutputStream() {
            @Override
            public void write(int b) {
                throw new IllegalStateException("passed the catch block");
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                throw new IllegalStateException("passed the catch block");
            }
        }));

        try (LogCapture logs = LogCapture.start()) {
            assertTrue(writer.offer("<presence/>".getBytes(StandardCharsets.UTF_8)));

            IOException reported = failure.get(10, TimeUnit.SECONDS);
            assertEquals("passed the catch block", reported.getCause().getMessage());
            assertEquals(List.of("upstream-writer upstream.test ended by an exception nothing caught: "
                    + "java.lang.IllegalStateException: passed the catch block"),
                    logs.lines(event -> event.getLevel() == Level.ERROR));
        }
        assertTrue(writer.offer("<message/>".getBytes(StandardCharsets.UTF_8)), "a stopped writer drops, never refuses");
        assertEquals(0, writer.queuedBytes(), "nothing stays queued behind the dead drain");
        assertTrue(writer.awaitDrained(Duration.ZERO));
    }
}
