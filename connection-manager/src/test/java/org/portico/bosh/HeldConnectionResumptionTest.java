package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.portico.http.SelectorReadEndPoint;
import org.portico.http.SelectorResumingThreadPool;
import org.portico.testing.LoggingThreads;
import org.portico.testing.RawHttp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bosh.requestsOnSelector} (issue 10): a held request's connection stays read-interested while it is held
 * ({@link ClosedConnectionWatch}), and its answer, decided off the selector, resumes the connection only once Jetty
 * has completed the response ({@code SelectorResumingThreadPool}). A client that reads the answer and sends its next
 * request at once can beat that resumption, and the selector then reports the request while no read callback is
 * registered. The request must still be read and handled by the selector loop, not by a thread that readiness was
 * handed to: {@code BoshRequestsOnSelectorEndToEndTest}'s idle cycle failed so, once in a full run.
 *
 * <p>The interleaving is forced, with Jetty's own pieces and Portico's: the selector is seen to take the readiness
 * before the connection is resumed, and whatever it handed to a thread runs after the resumption and before the
 * selector runs again.
 */
class HeldConnectionResumptionTest {

    private static final Logger log = LoggerFactory.getLogger(HeldConnectionResumptionTest.class);
    private static final long SECONDS = 10;
    private static final String NEXT_HANDLED = "the request after the held one handled";

    @Test
    @Timeout(60)
    void aRequestThatArrivesBeforeItsAnsweredConnectionIsResumedIsStillHandledOnTheSelector() throws Exception {
        HandOffs handOffs = new HandOffs();
        Holding handler = new Holding();
        SelectorResumingThreadPool threads = new SelectorResumingThreadPool();
        threads.setVirtualThreadsExecutor(handOffs);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1) {
            @Override
            protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector,
                    SelectionKey key) {
                return new SelectorReadEndPoint(channel, selector, key, getScheduler());
            }
        };
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(handler);
        server.setDynamic(false);
        server.start();
        try (LoggingThreads logged = LoggingThreads.recording();
                Socket socket = new Socket("127.0.0.1", connector.getLocalPort())) {
            assertEquals(InvocationType.NON_BLOCKING, server.getInvocationType(), "requests read on the selector");
            ManagedSelector selector = connector.getSelectorManager().getBean(ManagedSelector.class);
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(SECONDS));
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();

            get(out, "/held");
            Held held = handler.held.get(SECONDS, TimeUnit.SECONDS);
            assertNotNull(held.watch(), "the held request's connection is watched");
            handOffs.hold();

            // the answer to an expired wait, as BoshHttpExchange writes it, up to the completion it hands to Jetty
            held.watch().stop(false);
            CompletableFuture<Void> written = new CompletableFuture<>();
            held.response().getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            held.response().write(true, BufferUtil.EMPTY_BUFFER,
                    Callback.from(() -> written.complete(null), written::completeExceptionally));
            written.get(SECONDS, TimeUnit.SECONDS);
            assertTrue(RawHttp.readHead(in).startsWith("HTTP/1.1 200"), "the held request answered");
            SelectableChannel channel = held.endPoint().getChannel();
            assertTrue(readInterested(selector, channel),
                    "the connection is still read-interested after its watch stopped");

            // the client is quicker than the resumption: the selector takes the readiness with no callback waiting
            get(out, "/next");
            while (readInterested(selector, channel)) {
                // not taken yet
            }
            // Jetty completes the response and resumes the connection (SelectorResumingThreadPool registers its
            // callback); whatever the selector handed to a thread runs before the selector runs again
            try (AutoCloseable paused = pause(selector)) {
                held.callback().succeeded();
                handOffs.runHeld();
            }

            assertTrue(RawHttp.readHead(in).startsWith("HTTP/1.1 200"), "the next request answered");
            List<LoggingThreads.Logged> next = logged.all(e -> e.message().equals(NEXT_HANDLED));
            assertEquals(1, next.size(), "the next request handled once");
            assertTrue(next.get(0).bySelectorLoop(), "the next request was not run by the selector loop; handed to a "
                    + "thread, as they were when handed: " + handOffs.handed);
        } finally {
            server.stop();
        }
    }

    private static void get(OutputStream out, String path) throws Exception {
        out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /**
     * Whether the socket's selection key asks for reads, as the selector's own thread sees it between two selects:
     * it stops asking once the selector has taken a read readiness from it.
     */
    private static boolean readInterested(ManagedSelector selector, SelectableChannel channel) throws Exception {
        CompletableFuture<Boolean> interested = new CompletableFuture<>();
        selector.submit(s -> {
            SelectionKey key = channel.keyFor(s);
            interested.complete(key != null && key.isValid() && (key.interestOps() & SelectionKey.OP_READ) != 0);
        });
        return interested.get(SECONDS, TimeUnit.SECONDS);
    }

    /** Holds the selector's thread until closed: what it is asked meanwhile waits. */
    private static AutoCloseable pause(ManagedSelector selector) throws Exception {
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resumed = new CountDownLatch(1);
        selector.submit(s -> {
            paused.countDown();
            try {
                resumed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(paused.await(SECONDS, TimeUnit.SECONDS), "the selector paused");
        return resumed::countDown;
    }

    /** A held request, watched as BoshHttpExchange watches one, and its connection's endpoint. */
    private record Held(Response response, Callback callback, ClosedConnectionWatch watch,
            SelectorReadEndPoint endPoint) {
    }

    /** Holds {@code /held}; answers anything else at once, noting the thread that handled it. */
    private static final class Holding extends Handler.Abstract.NonBlocking {
        final CompletableFuture<Held> held = new CompletableFuture<>();

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (Request.getPathInContext(request).equals("/held")) {
                ClosedConnectionWatch watch = ClosedConnectionWatch.start(request,
                        () -> log.debug("the held request's client left"));
                held.complete(new Held(response, callback, watch, SelectorReadEndPoint.of(request)));
                return true;
            }
            log.debug(NEXT_HANDLED);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            callback.succeeded();
            return true;
        }
    }

    /**
     * The server's virtual threads, to which Jetty's selector hands whatever may block: once told to hold, what is
     * handed waits until the test runs it.
     */
    private static final class HandOffs implements Executor {
        private final List<Runnable> held = new CopyOnWriteArrayList<>();
        /** What was held, described when it was handed: a task's invocation type can change after. */
        final List<String> handed = new CopyOnWriteArrayList<>();
        private volatile boolean holding;

        @Override
        public void execute(Runnable task) {
            if (holding) {
                handed.add(task.toString());
                held.add(task);
            } else {
                Thread.ofVirtual().start(task);
            }
        }

        void hold() {
            holding = true;
        }

        /** Runs what was held, each on a virtual thread of its own as the server would. */
        void runHeld() throws InterruptedException {
            for (Runnable task : held) {
                Thread.ofVirtual().start(task).join();
            }
        }
    }
}
