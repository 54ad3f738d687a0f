package org.portico.demo;

import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.htmlunit.Page;
import org.htmlunit.WebClient;
import org.htmlunit.WebRequest;
import org.htmlunit.WebResponse;
import org.htmlunit.WebWindow;
import org.htmlunit.javascript.background.BackgroundJavaScriptFactory;
import org.htmlunit.javascript.background.DefaultJavaScriptExecutor;
import org.htmlunit.javascript.background.JavaScriptExecutor;
import org.htmlunit.javascript.background.JavaScriptJob;
import org.htmlunit.javascript.background.JavaScriptJobManager;
import org.htmlunit.util.WebConnectionWrapper;

/**
 * One HtmlUnit tab's event loop, as a browser has one (HTML standard, "event loops"): the page's timers, its XHR
 * callbacks with the promise reactions after them and its WebSocket events run one at a time.
 *
 * <p>Why: HtmlUnit runs each script holding the page's monitor, but runs the promise reactions it queued (Rhino's
 * microtasks) after letting the monitor go, on whichever thread ran the script. A reaction after the demo's upload
 * XHR, on HtmlUnit's JavaScript executor, then ran beside a WebSocket event dispatched on the socket's thread. Both
 * read HtmlUnit's computed-style cache, which is not thread-safe; a {@code TreeMap} changed by the two at once looped
 * for ever, each thread at 100 % of a core, and the demo test hung until its 5-minute timeout.
 *
 * <p>How: each {@link WebClient} has one lock, its turn. HtmlUnit's JavaScript executor takes it around every job it
 * runs (timers, XHRs and what follows them) and {@link XmppSubprotocolWebSockets} around every WebSocket event. Whoever
 * holds it lets it go while a request is on the network, as a browser's fetch does not stop its event loop: a
 * WebSocket message is not held up by an upload on its way. The turn is always taken before the page's monitor,
 * never while holding it.
 *
 * <p>The test's scripts, clicks and typing ({@link HtmlUnitTab}) take the turn too, as a browser's automation runs
 * them as tasks: outside it, a test read the page while a promise reaction was half done, and a click could re-render
 * the chat beside a reaction re-rendering it too and draw a message twice (the likely cause of the one copy a demo
 * test found left after logging out).
 * Leaving the page does not take the turn: a test that left the page (BOSH) right after its script had sent an
 * asynchronous XHR held the turn through the unload, HtmlUnit's executor could not start that request's job before
 * the page dropped its jobs, the request (an empty poll, rid N) never reached Portico, and the next page's requests
 * waited for rid N in vain (the reload test failed in 3 of 11 runs). A browser's request is on its way the moment
 * {@code send()} returns.
 */
final class PageEventLoop {

    /** How long HtmlUnit's executor sleeps when no job is due, as HtmlUnit's own loop does. */
    private static final long IDLE_MILLIS = 10;
    private static final Map<WebClient, PageEventLoop> LOOPS = Collections.synchronizedMap(new WeakHashMap<>());

    private final ReentrantLock turn = new ReentrantLock();

    private PageEventLoop() {
    }

    /**
     * Makes HtmlUnit's JavaScript executors take their client's turn for each job. HtmlUnit creates a client's
     * executor from a process-wide factory while the client is constructed, so this runs before the first client.
     */
    static void install() {
        BackgroundJavaScriptFactory.setFactory(new Factory());
    }

    /**
     * Gives {@code client} its event loop, with requests made off the loop. Called once, after the client is
     * constructed: its executor may already exist, and its connection may not exist before.
     */
    static void attach(WebClient client) {
        new FetchOffTheLoop(client, of(client));
    }

    /** The event loop of {@code client}: its executor asks for it while the client is constructed. */
    static PageEventLoop of(WebClient client) {
        return LOOPS.computeIfAbsent(client, c -> new PageEventLoop());
    }

    /** Runs {@code action} in its turn: after the job running now, before the next. */
    void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }

    /** Runs {@code action} in its turn and returns what it returned. */
    <T> T call(Supplier<T> action) {
        turn.lock();
        try {
            return action.get();
        } finally {
            turn.unlock();
        }
    }

    private static final class Factory extends BackgroundJavaScriptFactory {

        @Override
        public JavaScriptExecutor createJavaScriptExecutor(WebClient client) {
            return new Executor(client, of(client));
        }
    }

    /** HtmlUnit's executor, each job run in the client's turn. */
    private static final class Executor extends DefaultJavaScriptExecutor {

        private final PageEventLoop loop;
        /** Set by {@link #shutdown}: a job that swallowed the interrupt does not keep the loop going. */
        private volatile boolean shutDown;

        Executor(WebClient client, PageEventLoop loop) {
            super(client);
            this.loop = loop;
        }

        /** Ends the loop: HtmlUnit's shutdown interrupts the thread and waits for it. */
        @Override
        public void shutdown() {
            shutDown = true;
            super.shutdown();
        }

        /** HtmlUnit's loop with the turn around each job, until {@link #shutdown}. */
        @Override
        public void run() {
            while (!shutDown && !Thread.currentThread().isInterrupted()) {
                JavaScriptJobManager jobs = getJobManagerWithEarliestJob();
                JavaScriptJob job = jobs == null ? null : jobs.getEarliestJob();
                try {
                    if (job != null && job.getTargetExecutionTime() <= System.currentTimeMillis()) {
                        loop.turn.lockInterruptibly();
                        try {
                            jobs.runSingleJob(job);
                        } finally {
                            loop.turn.unlock();
                        }
                    } else {
                        Thread.sleep(IDLE_MILLIS);
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * The client's connection, with the turn let go while a request is on the network, unless a script is waiting
     * for it: a synchronous XHR holds up its event loop in a browser too, and here its thread holds the page's
     * monitor, which must never be held by a thread waiting for the turn.
     */
    private static final class FetchOffTheLoop extends WebConnectionWrapper {

        private final WebClient client;
        private final ReentrantLock turn;

        FetchOffTheLoop(WebClient client, PageEventLoop loop) {
            super(client);
            this.client = client;
            this.turn = loop.turn;
        }

        @Override
        public WebResponse getResponse(WebRequest request) throws IOException {
            int held = inScript() ? 0 : turn.getHoldCount();
            for (int i = 0; i < held; i++) {
                turn.unlock();
            }
            try {
                return super.getResponse(request);
            } finally {
                for (int i = 0; i < held; i++) {
                    turn.lock();
                }
            }
        }

        /** Whether this thread runs a script: HtmlUnit holds the script's page while it runs. */
        private boolean inScript() {
            for (WebWindow window : client.getWebWindows()) {
                Page page = window.getEnclosedPage();
                if (page != null && Thread.holdsLock(page)) {
                    return true;
                }
            }
            return false;
        }
    }
}
