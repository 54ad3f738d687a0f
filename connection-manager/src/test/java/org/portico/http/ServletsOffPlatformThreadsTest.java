package org.portico.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * Servlets wait on blocking streams, so they never run on a platform thread, which could be Jetty's selector, since
 * Portico's server says its handlers never block ({@code bosh.requestsOnSelector}): there they move to a virtual
 * thread, and on a virtual thread they run in place.
 */
class ServletsOffPlatformThreadsTest {

    /** A servlet stand-in: records the thread it ran on and completes the request. */
    private static final class RecordingServlet extends Handler.Abstract {
        final CompletableFuture<Thread> ranOn = new CompletableFuture<>();

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            ranOn.complete(Thread.currentThread());
            callback.succeeded();
            return true;
        }
    }

    /** Calls the handler on a thread of the given kind; returns that thread and whether handle() took the request. */
    private static Thread callFrom(Thread.Builder kind, Handler handler) throws Exception {
        CompletableFuture<Boolean> taken = new CompletableFuture<>();
        Thread caller = kind.start(() -> {
            try {
                taken.complete(handler.handle(null, null, Callback.NOOP));
            } catch (Exception e) {
                taken.completeExceptionally(e);
            }
        });
        assertTrue(taken.get(10, TimeUnit.SECONDS), "the request was taken");
        return caller;
    }

    @Test
    void onAPlatformThreadTheServletRunsOnAVirtualThreadOfItsOwn() throws Exception {
        RecordingServlet servlet = new RecordingServlet();
        Thread caller = callFrom(Thread.ofPlatform().name("portico-http-selector, played"),
                new ServletsOffPlatformThreads(servlet));
        Thread ran = servlet.ranOn.get(10, TimeUnit.SECONDS);
        assertTrue(ran.isVirtual(), "ran on " + ran);
        assertFalse(ran == caller, "moved off the calling thread");
    }

    @Test
    void onAVirtualThreadTheServletRunsInPlace() throws Exception {
        RecordingServlet servlet = new RecordingServlet();
        Thread caller = callFrom(Thread.ofVirtual(), new ServletsOffPlatformThreads(servlet));
        assertSame(caller, servlet.ranOn.get(10, TimeUnit.SECONDS));
    }
}
