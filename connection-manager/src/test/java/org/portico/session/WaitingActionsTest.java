package org.portico.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.portico.testing.LogCapture;
import org.slf4j.MDC;

/** Where a session's actions that may wait run: never on a platform thread shared by many streams (issue 10). */
class WaitingActionsTest {

    /** The thread that handed the actions over, the one they ran on, and the session their log context named. */
    private record HandOver(Thread caller, Thread ran, String sid) {
    }

    private static HandOver from(Thread.Builder callerKind) throws Exception {
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        CompletableFuture<String> sid = new CompletableFuture<>();
        Thread caller = callerKind.start(() -> {
            MDC.put("sid", "s1");
            try {
                WaitingActions.OFF_PLATFORM_THREADS.execute(() -> {
                    sid.complete(MDC.get("sid"));
                    ranOn.complete(Thread.currentThread());
                });
            } finally {
                MDC.clear();
            }
        });
        caller.join();
        return new HandOver(caller, ranOn.get(10, TimeUnit.SECONDS), sid.get(10, TimeUnit.SECONDS));
    }

    @Test
    void fromAPlatformThreadTheActionsRunOnAVirtualThreadWithTheCallersLoggingContext() throws Exception {
        HandOver handOver = from(Thread.ofPlatform().name("upstream-poller, played"));

        assertNotSame(handOver.caller(), handOver.ran(), "the poller's thread is never kept waiting");
        assertTrue(handOver.ran().isVirtual(), handOver.ran().toString());
        assertEquals("s1", handOver.sid(), "log lines of the actions still name the session");
    }

    /** A bug in the actions is one ERROR line naming the session, not a stack trace on standard error. */
    @Test
    void actionsThatFailOnTheHandedOverThreadAreLoggedWithTheSession() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            Thread caller = Thread.ofPlatform().start(() -> {
                MDC.put("sid", "s1");
                try {
                    WaitingActions.OFF_PLATFORM_THREADS.execute(() -> {
                        throw new IllegalStateException("bug in an answer");
                    });
                } finally {
                    MDC.clear();
                }
            });
            caller.join();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<ILoggingEvent> errors = errors(log);
            while (errors.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10); // the handed-over thread logs when it runs; polled, bounded
                errors = errors(log);
            }
            assertEquals(1, errors.size(), errors.toString());
            assertEquals("s1", errors.get(0).getMDCPropertyMap().get("sid"));
            assertEquals("bug in an answer", errors.get(0).getThrowableProxy().getMessage());
        }
    }

    private static List<ILoggingEvent> errors(LogCapture log) {
        return log.events().stream().filter(e -> e.getLevel() == Level.ERROR).toList();
    }

    @Test
    void fromAVirtualThreadTheActionsRunThereAndSaveAHandOff() throws Exception {
        HandOver handOver = from(Thread.ofVirtual().name("upstream-reader, played"));

        assertSame(handOver.caller(), handOver.ran(), "a stream's own reader thread may wait");
        assertEquals("s1", handOver.sid());
    }
}
