package org.portico.session;

import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Where work that may wait for the network runs when the calling thread must not wait: opening a BOSH session (the
 * upstream's connection, the session store, the cluster's directory) can arrive on Jetty's selector, a platform
 * thread that serves every socket. So the work runs on the calling thread when it is virtual, and on a new virtual
 * thread, with the caller's logging context, when it is not. There, work that fails is logged as the caller would
 * have logged it, not left to the thread's default handler.
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
