package org.portico.upstream;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that reads every plain-TCP upstream connection once its stream is open: one {@link Selector} over
 * non-blocking sockets, calling each stream's {@link Readable} when bytes arrived, and waking writers whose socket
 * had no room. A stream then keeps no thread of its own while the server is silent, and bytes from the server reach
 * the session on this thread without a hand-off: a virtual thread parked in a socket read costs a stack in memory
 * and, for every read, the JDK poller's wake-up of a poller thread that then wakes the reader (docs/benchmarks.md).
 *
 * <p>Only work that never waits may run here: parsing, and the session's delivery, which only decides and queues
 * (a WebSocket frame is an asynchronous send; a BOSH answer, a blocking write, goes to a virtual thread). A stream
 * whose session may wait keeps its own reader thread instead.
 *
 * <p>A stream on a route without TLS is read here from the server's first byte on, its opening included, and the
 * poller bounds the wait for that opening ({@link #awaitOpening}): its select wakes for the oldest stream still
 * waiting. A timer per stream would cost each login a task on a timer thread, and that thread's wake-ups
 * (docs/benchmarks.md). The bound is on the JVM's monotonic clock, as the socket timeouts of a blocking reader
 * are: tests that move Portico's session clock by hand must not move the network's timeouts.
 *
 * <p>Threads: one platform thread (daemon, {@code upstream-poller}), started with the first {@link #watch} and ending
 * when every channel was unwatched, so a connector with no open stream holds none. The selector, its keys,
 * {@link #registered}, {@link #openings} and each {@link Watched} are owned by that thread; other threads hand it
 * work through {@link #execute}: {@link #tasks}, {@link #selector} and {@link #running} are guarded by
 * {@link #lock}.
 */
final class UpstreamPoller {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamPoller.class);

    /** Told on the poller thread that its channel can be read. */
    interface Readable {
        /**
         * @param scratch the poller's buffer to read into, for this call only
         * @return whether to go on reading the channel; false once its stream has ended
         */
        boolean readable(ByteBuffer scratch);
    }

    /** Read buffer of the poller thread; what a stream cannot parse yet is copied out of it. */
    private static final int SCRATCH_BYTES = 64 * 1024;

    private final String name;
    /** How long a stream's opening is awaited: the connector's connect timeout. */
    private final long openingNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    /** Poller thread. */
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH_BYTES);
    private Selector selector;
    private boolean running;
    /** Poller thread: channels watched and not yet unwatched. */
    private int registered;
    /**
     * Poller thread: the channels whose opening was awaited, oldest first, so their deadlines are in order (one
     * timeout for all); one that has its opening, or is unwatched, leaves when it reaches the front.
     */
    private final ArrayDeque<Watched> openings = new ArrayDeque<>();

    /** @param openingTimeout how long {@link #awaitOpening} waits for a server's opening */
    UpstreamPoller(String name, Duration openingTimeout) {
        this.name = name;
        this.openingNanos = openingTimeout.toNanos();
    }

    /**
     * Starts watching a non-blocking channel, for writers waiting for room at first ({@link #awaitWritable}), and for
     * reads once {@link #startReading} says so. Every call must be ended by one {@link #unwatch}.
     */
    Watched watch(SocketChannel channel) {
        Watched watched = new Watched(channel);
        execute(() -> {
            registered++;
            try {
                watched.key = channel.register(ownSelector(), 0, watched);
            } catch (ClosedChannelException e) {
                LOG.debug("channel closed before it was registered");
            }
        });
        return watched;
    }

    /**
     * {@code reader} runs on the poller thread each time bytes (or the end of the connection) arrive, the first time
     * at once, for bytes that came before.
     */
    void startReading(Watched watched, Readable reader) {
        execute(() -> {
            watched.reader = reader;
            if (watched.key != null && watched.key.isValid()) {
                watched.key.interestOpsOr(SelectionKey.OP_READ);
            }
            read(watched);
        });
    }

    /**
     * The server's opening is awaited on the channel: unless {@link #openingRead} comes first, {@code timedOut} runs
     * on the poller thread once the opening timeout has passed.
     */
    void awaitOpening(Watched watched, Runnable timedOut) {
        execute(() -> {
            if (!watched.ended) {
                watched.openingTimedOut = timedOut;
                watched.openingDeadline = System.nanoTime() + openingNanos;
                openings.add(watched);
            }
        });
    }

    /** Poller thread, reading the channel: its opening came in time. */
    void openingRead(Watched watched) {
        watched.openingTimedOut = null;
    }

    /** Stops watching, and releases a writer waiting for room; its stream is done with the channel. */
    void unwatch(Watched watched) {
        execute(() -> {
            registered--;
            watched.ended = true;
            watched.openingTimedOut = null;
            if (watched.key != null) {
                watched.key.cancel();
            }
            watched.wakeWriter();
        });
    }

    /** The selector, read on the poller thread (which {@link #lock} made see it when it started). */
    private Selector ownSelector() {
        lock.lock();
        try {
            return selector;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Tells {@code reader} on the poller thread, as if bytes had come: after its channel was closed by another
     * thread, whose key the selector then drops without reporting it.
     */
    void readNow(Watched watched) {
        execute(() -> read(watched));
    }

    /** Poller thread: tells the reader, and stops reading once it says its stream ended. */
    private void read(Watched watched) {
        if (watched.reader == null || watched.ended) {
            return;
        }
        if (!watched.reader.readable(scratch) && watched.key != null && watched.key.isValid()) {
            watched.key.interestOpsAnd(~SelectionKey.OP_READ);
        }
    }

    /** Runs {@code task} on the poller thread, waking it; starts the thread if none runs. */
    private void execute(Runnable task) {
        Selector wake = null;
        lock.lock();
        try {
            tasks.add(task);
            if (running) {
                wake = selector;
            } else {
                start();
            }
        } finally {
            lock.unlock();
        }
        if (wake != null) {
            wake.wakeup();
        }
    }

    /**
     * Waits until the watched socket takes bytes again: the calling writer found it full. Must not be called on the
     * poller thread.
     *
     * @return false, at once or later, when the channel is no longer watched ({@link #unwatch}) or closed
     */
    boolean awaitWritable(Watched watched) throws InterruptedException {
        CountDownLatch writable = new CountDownLatch(1);
        execute(() -> {
            if (watched.ended || watched.key == null || !watched.key.isValid()) {
                writable.countDown();
                return;
            }
            watched.writable = writable;
            watched.key.interestOpsOr(SelectionKey.OP_WRITE);
        });
        writable.await();
        return !watched.endedForWriter && watched.channel.isOpen();
    }

    /** Under {@link #lock}: opens a selector and starts the thread. */
    private void start() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for upstream connections", e);
        }
        running = true;
        Thread.ofPlatform().daemon().name("upstream-poller " + name).start(this::run);
    }

    private void run() {
        Selector own = selector;
        try {
            while (runTasks(own)) {
                own.select(this::selected, millisToNextOpeningDeadline());
                openingsTimedOut();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("upstream poller failed; its connections are dropped", e);
            failed(own);
        }
    }

    /**
     * The selector broke: drops every connection and tells its reader, whose next read then ends its stream; a
     * new thread with a new selector takes what is handed over later.
     */
    private void failed(Selector own) {
        for (SelectionKey key : own.keys()) {
            closeQuietly(key.channel());
            Watched watched = (Watched) key.attachment();
            watched.wakeWriter();
            read(watched);
        }
        closeQuietly(own);
        openings.clear(); // their channels are closed: each reader now reads the end
        lock.lock();
        try {
            registered = 0;
            running = false;
            selector = null;
            if (!tasks.isEmpty()) {
                start();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Runs what other threads handed over. @return false when the thread is to end: no task and no channel left */
    private boolean runTasks(Selector own) {
        while (true) {
            Runnable task;
            lock.lock();
            try {
                task = tasks.poll();
                if (task == null && registered == 0) {
                    running = false;
                    selector = null;
                    closeQuietly(own);
                    return false;
                }
            } finally {
                lock.unlock();
            }
            if (task == null) {
                return true;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("upstream poller task failed", e);
            }
        }
    }

    /** @return how long the select may wait for the oldest opening still awaited: 0 (no bound) when none is */
    private long millisToNextOpeningDeadline() {
        for (Watched oldest = openings.peek(); oldest != null; oldest = openings.peek()) {
            if (oldest.openingTimedOut != null) {
                // at least 1: a select with 0 would wait with no bound
                return Math.max(1, (oldest.openingDeadline - System.nanoTime() + 999_999) / 1_000_000);
            }
            openings.poll();
        }
        return 0;
    }

    /** Tells each stream whose opening is still awaited past its deadline. */
    private void openingsTimedOut() {
        long now = System.nanoTime();
        for (Watched oldest = openings.peek(); oldest != null && oldest.openingDeadline - now <= 0;
                oldest = openings.peek()) {
            openings.poll();
            Runnable timedOut = oldest.openingTimedOut;
            oldest.openingTimedOut = null;
            if (timedOut != null) {
                try {
                    timedOut.run();
                } catch (RuntimeException e) {
                    LOG.error("upstream opening timeout failed", e);
                }
            }
        }
    }

    private void selected(SelectionKey key) {
        Watched watched = (Watched) key.attachment();
        try {
            if (key.isValid() && key.isWritable()) {
                key.interestOpsAnd(~SelectionKey.OP_WRITE);
                watched.wakeWriter();
            }
            if (key.isValid() && key.isReadable()) {
                read(watched);
            }
        } catch (CancelledKeyException e) {
            LOG.debug("channel closed while its events were handled");
        } catch (RuntimeException e) {
            LOG.error("upstream reader failed", e);
        }
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // closing is all that is left to do with it
        }
    }

    /**
     * One watched channel: what the poller keeps for it, all of it owned by the poller thread. The stream holds it
     * from {@link #watch} to {@link #unwatch}, so a writer waiting for room is released even after the channel's key
     * is gone (a closed channel's key leaves the selector at the next select, unreported).
     */
    static final class Watched {
        private final SocketChannel channel;
        private SelectionKey key;
        private Readable reader;
        private CountDownLatch writable;
        private boolean ended;
        /** What to run if the awaited opening does not come by {@link #openingDeadline}; null when none is awaited. */
        private Runnable openingTimedOut;
        private long openingDeadline;
        /** Read by the writer after its latch: the wake-up came from {@link #unwatch}, not from room. */
        private volatile boolean endedForWriter;

        private Watched(SocketChannel channel) {
            this.channel = channel;
        }

        private void wakeWriter() {
            if (writable != null) {
                endedForWriter = ended;
                writable.countDown();
                writable = null;
            }
        }
    }
}
