package org.portico.upstream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The single writer of one upstream stream: callers queue UTF-8 bytes and return at once; a drain, running on a
 * virtual thread started when bytes arrive and none is running, writes them to the socket in queue order and ends
 * when the queue is empty. So a slow upstream only ever blocks the drain, and an idle stream keeps no writer thread
 * and no write buffer: a parked writer per session cost a thread stack, a 16 kB buffer, and a park and unpark on
 * every hand-off (docs/benchmarks.md).
 *
 * <p>A caller that holds no lock can instead queue with {@link #offerForCaller} and then
 * {@link #drainWithoutWaiting}, which saves starting a drain (a thread hand-off per message): over a non-blocking
 * socket it writes what the socket takes at once and leaves the rest to a drain thread; over a blocking one it
 * starts the drain thread at once. A server that stops reading is caught by the bound.
 *
 * <p>Ownership: the queue, the byte count, {@link #out} and {@link #draining} are guarded by {@link #lock}; at most
 * one drain runs at a time, so the output stream is written by one thread at a time, in order. Before {@link #start}
 * hands the output over, the reader thread negotiates on it and nothing here touches it. Bytes count against the
 * bound from the moment they are queued until they are written, so a server that stops reading makes
 * {@link #offer} refuse and the stream abort instead of growing without limit.
 */
final class UpstreamWriter {

    private static final Logger log = LoggerFactory.getLogger(UpstreamWriter.class);
    private static final Logger WIRE = LoggerFactory.getLogger("portico.wire");
    /** Queued writes up to this size go out as one socket write (one TLS record); larger ones one by one. */
    static final int MAX_COALESCED_BYTES = 16 * 1024;

    private final String name;
    private final String threadName;
    private final int maxQueuedBytes;
    private final Consumer<IOException> onFailure;
    private final Map<String, String> mdc;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean stopped;
    /** Null until the stream is negotiated. */
    private UpstreamOutput out;
    private boolean draining;

    /**
     * @param name      for the drain thread's name and the wire log, e.g. the target address
     * @param onFailure told once, on the drain's thread, when a write fails while the writer is running
     * @param mdc       the logging context of the session that opened the stream, or null
     */
    UpstreamWriter(String name, int maxQueuedBytes, Consumer<IOException> onFailure, Map<String, String> mdc) {
        this.name = name;
        this.threadName = "upstream-writer " + name;
        this.maxQueuedBytes = maxQueuedBytes;
        this.onFailure = onFailure;
        this.mdc = mdc;
    }

    /** Queues bytes unless that would put more than the bound in flight. @return false when refused */
    boolean offer(byte[] bytes) {
        return offer(bytes, true);
    }

    /**
     * As {@link #offer}, but starts no drain: the caller must call {@link #drainWithoutWaiting} once it holds no
     * lock, or the bytes wait for the next offer.
     */
    boolean offerForCaller(byte[] bytes) {
        return offer(bytes, false);
    }

    private boolean offer(byte[] bytes, boolean drain) {
        lock.lock();
        try {
            if (stopped) {
                return true;
            }
            if (queuedBytes + bytes.length > maxQueuedBytes) {
                return false;
            }
            enqueue(bytes, drain);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes what is queued on the calling thread as far as the socket takes it without waiting, unless a drain
     * already runs; what is left, or everything when the socket can only block, goes to a drain thread. Call without
     * holding any lock.
     */
    void drainWithoutWaiting() {
        UpstreamOutput output;
        lock.lock();
        try {
            if (out == null || !out.writesWithoutWaiting()) {
                drainIfIdle();
                return;
            }
            if (!claimDrain()) {
                return;
            }
            output = out;
        } finally {
            lock.unlock();
        }
        List<byte[]> batch = new ArrayList<>();
        try {
            while (takeAll(batch)) {
                byte[] bytes = joined(batch);
                batch.clear();
                int written = output.writeNow(bytes, 0);
                release(written);
                if (written < bytes.length) {
                    leaveRest(bytes, written);
                    return;
                }
            }
        } catch (IOException e) {
            if (stopAndReport()) {
                onFailure.accept(e);
            }
        }
    }

    /**
     * The socket is full: puts the unwritten rest back in front and hands the drain, still marked as running, to a
     * thread that waits for room; the caller's drain ends here.
     */
    private void leaveRest(byte[] bytes, int written) {
        lock.lock();
        try {
            if (!stopped) {
                queue.addFirst(Arrays.copyOfRange(bytes, written, bytes.length));
                startDrainThread();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queues a few final bytes ({@code </stream:stream>}, a stream error) even past the bound. */
    void offerFinal(byte[] bytes) {
        lock.lock();
        try {
            if (!stopped) {
                enqueue(bytes, true);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: counts the bytes in, and starts a drain for them if {@code drain}. */
    private void enqueue(byte[] bytes, boolean drain) {
        queue.addLast(bytes);
        queuedBytes += bytes.length;
        if (drain) {
            drainIfIdle();
        }
    }

    /** Hands the (negotiated) output to the writer, which first writes whatever was queued meanwhile. */
    void start(UpstreamOutput output) {
        lock.lock();
        try {
            out = output;
            if (!queue.isEmpty()) {
                drainIfIdle();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: starts a drain thread unless {@link #claimDrain} says there is nothing for one to do. */
    private void drainIfIdle() {
        if (claimDrain()) {
            startDrainThread();
        }
    }

    /** A drain claimed by the caller runs on a thread of its own, named so that one blocked shows in a dump. */
    private void startDrainThread() {
        Thread.ofVirtual().name(threadName).uncaughtExceptionHandler(this::drainEnded).start(this::drainQueued);
    }

    /**
     * A drain thread ended by an exception that {@link #drainQueued} did not catch: a bug, or the fault of JDK 25.0.3
     * that lets an exception pass a virtual thread's catch block (JDK-8389310, docs/reliability.md). The writer
     * stops and reports it as a failed write, so the stream ends as on any write error; otherwise {@link #draining}
     * stayed set and every later stanza would queue behind a drain that never runs.
     */
    private void drainEnded(Thread thread, Throwable e) {
        inSessionContext(() -> log.error("{} ended by an exception nothing caught: {}", thread.getName(),
                e.toString(), e));
        if (stopAndReport()) {
            onFailure.accept(e instanceof IOException failure ? failure
                    : new IOException("the writer ended by " + e, e));
        }
    }

    /**
     * Under the lock: whether the caller is to drain, which it then must: bytes are queued, no drain runs, the output
     * is ours (negotiated) and the writer has not stopped. Marks the drain as running.
     */
    private boolean claimDrain() {
        if (draining || out == null || stopped || queue.isEmpty()) {
            return false;
        }
        draining = true;
        return true;
    }

    /**
     * Writes batches until the queue is empty, waiting while the socket does; {@link #draining} was set by whoever
     * started it. Small writes are joined into one, so a burst of stanzas costs one socket write.
     */
    private void drainQueued() {
        List<byte[]> batch = new ArrayList<>();
        UpstreamOutput output = output(); // set once, before any drain could be claimed
        try {
            while (takeAll(batch)) {
                long total = 0;
                if (batch.size() > 1 && total(batch) > MAX_COALESCED_BYTES) {
                    for (byte[] bytes : batch) {
                        log(bytes);
                        output.write(bytes, 0);
                        total += bytes.length;
                    }
                } else {
                    byte[] bytes = joined(batch);
                    output.write(bytes, 0);
                    total = bytes.length;
                }
                batch.clear();
                release(total);
            }
        } catch (IOException e) {
            if (stopAndReport()) {
                onFailure.accept(e);
            }
        }
    }

    /** Moves everything queued into the batch. @return false, and the drain ends here, when there is nothing */
    private boolean takeAll(List<byte[]> batch) {
        lock.lock();
        try {
            if (stopped || queue.isEmpty()) {
                draining = false;
                return false;
            }
            batch.addAll(queue);
            queue.clear();
            return true;
        } finally {
            lock.unlock();
        }
    }

    private UpstreamOutput output() {
        lock.lock();
        try {
            return out;
        } finally {
            lock.unlock();
        }
    }

    private static long total(List<byte[]> batch) {
        long total = 0;
        for (byte[] bytes : batch) {
            total += bytes.length;
        }
        return total;
    }

    /** The batch as one array (logged on the wire logger), copied only when it holds more than one. */
    private byte[] joined(List<byte[]> batch) {
        batch.forEach(this::log);
        if (batch.size() == 1) {
            return batch.get(0);
        }
        byte[] joined = new byte[(int) total(batch)];
        int at = 0;
        for (byte[] bytes : batch) {
            System.arraycopy(bytes, 0, joined, at, bytes.length);
            at += bytes.length;
        }
        return joined;
    }

    /** On the wire logger, in the session's logging context. */
    private void log(byte[] bytes) {
        if (WIRE.isDebugEnabled()) {
            inSessionContext(() -> WIRE.debug("-> {} {}", name, new String(bytes, StandardCharsets.UTF_8)));
        }
    }

    /** Logs in the session's logging context, whichever thread writes (a caller's has none), then restores it. */
    private void inSessionContext(Runnable logging) {
        Map<String, String> previous = MDC.getCopyOfContextMap();
        if (mdc != null) {
            MDC.setContextMap(mdc);
        }
        try {
            logging.run();
        } finally {
            if (previous != null) {
                MDC.setContextMap(previous);
            } else {
                MDC.clear();
            }
        }
    }

    private void release(long written) {
        lock.lock();
        try {
            if (stopped) {
                return;
            }
            queuedBytes -= written;
            if (queuedBytes == 0) {
                drained.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits until everything queued so far has been flushed, the writer stopped, or the timeout passed. */
    boolean awaitDrained(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (queuedBytes > 0 && !stopped) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = drained.awaitNanos(nanos);
            }
            return queuedBytes == 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Discards what is queued and ends the drain after its current write. A drain blocked in a socket write is
     * released by the caller closing the socket.
     */
    void stop() {
        lock.lock();
        try {
            stopped = true;
            queue.clear();
            queuedBytes = 0;
            drained.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops after a failed write. @return true when nobody had stopped the writer before, so it must be told */
    private boolean stopAndReport() {
        lock.lock();
        try {
            boolean first = !stopped;
            stop();
            return first;
        } finally {
            lock.unlock();
        }
    }

    long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }
}
