package org.portico.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
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

    @Test
    void fromAVirtualThreadTheActionsRunThereAndSaveAHandOff() throws Exception {
        HandOver handOver = from(Thread.ofVirtual().name("upstream-reader, played"));

        assertSame(handOver.caller(), handOver.ran(), "a stream's own reader thread may wait");
        assertEquals("s1", handOver.sid());
    }
}
