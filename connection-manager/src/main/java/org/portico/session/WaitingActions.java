package org.portico.session;

import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Where a session carries out what an upstream event decided, when that may wait for the network: a BOSH answer is a
 * blocking write to a client that may be slow. Upstream events arrive either on the stream's own virtual reader
 * thread (a TLS leg), where waiting stops only that stream, or on the upstream poller's platform thread, which reads
 * every plain stream and must never wait. So the actions run on the calling thread when it is virtual, and on a new
 * virtual thread, with the caller's logging context, when it is not. There, an action that fails is logged as the
 * caller would have logged it, not left to the thread's default handler.
 */
public final class WaitingActions {

    private static final Logger LOG = LoggerFactory.getLogger(WaitingActions.class);

    /** Runs on the caller's thread when that is virtual, else on a new virtual thread. */
    public static final Executor OFF_PLATFORM_THREADS = WaitingActions::run;

    private WaitingActions() {
    }

    private static void run(Runnable actions) {
        if (Thread.currentThread().isVirtual()) {
            actions.run();
            return;
        }
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        Thread.ofVirtual().name("session-actions").start(() -> {
            if (mdc != null) {
                MDC.setContextMap(mdc);
            }
            try {
                actions.run();
            } catch (RuntimeException e) {
                LOG.error("session actions failed", e);
            }
        });
    }
}
