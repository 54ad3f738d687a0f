package org.portico.upstream;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The single writer of one upstream stream: callers queue UTF-8 bytes and return at once; one virtual thread writes
 * them to the socket in queue order, so a slow upstream only ever blocks this thread.
 *
 * <p>Ownership: the queue and the byte count are guarded by {@link #lock}; the output stream belongs to the writer
 * thread alone once {@link #start} hands it over (before that, the reader thread negotiates on it and nothing here
 * touches it). Bytes count against the bound from the moment they are queued until they are flushed, so a server
 * that stops reading makes {@link #offer} refuse and the stream abort instead of growing without limit.
 */
final class UpstreamWriter {

    private static final Logger WIRE = LoggerFactory.getLogger("portico.wire");

    private final String name;
    private final int maxQueuedBytes;
    private final Consumer<IOException> onFailure;
    private final Map<String, String> mdc;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition drained = lock.newCondition();
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean stopped;

    /**
     * @param name      for the thread name and the wire log, e.g. the target address
     * @param onFailure told once, on the writer thread, when a write fails while the writer is running
     * @param mdc       the logging context of the session that opened the stream, or null
     */
    UpstreamWriter(String name, int maxQueuedBytes, Consumer<IOException> onFailure, Map<String, String> mdc) {
        this.name = name;
        this.maxQueuedBytes = maxQueuedBytes;
        this.onFailure = onFailure;
        this.mdc = mdc;
    }

    /** Queues bytes unless that would put more than the bound in flight. @return false when refused */
    boolean offer(byte[] bytes) {
        lock.lock();
        try {
            if (stopped) {
                return true;
            }
            if (queuedBytes + bytes.length > maxQueuedBytes) {
                return false;
            }
            enqueue(bytes);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Queues a few final bytes ({@code </stream:stream>}, a stream error) even past the bound. */
    void offerFinal(byte[] bytes) {
        lock.lock();
        try {
            if (!stopped) {
                enqueue(bytes);
            }
        } finally {
            lock.unlock();
        }
    }

    private void enqueue(byte[] bytes) {
        queue.addLast(bytes);
        queuedBytes += bytes.length;
        notEmpty.signal();
    }

    /** Hands the (negotiated) output to a new writer thread, which first writes whatever was queued meanwhile. */
    void start(OutputStream out) {
        OutputStream buffered = new BufferedOutputStream(out, 16 * 1024);
        Thread.ofVirtual().name("upstream-writer " + name).start(() -> run(buffered));
    }

    private void run(OutputStream out) {
        if (mdc != null) {
            MDC.setContextMap(mdc);
        }
        try {
            List<byte[]> batch = new ArrayList<>();
            while (takeAll(batch)) {
                long written = 0;
                for (byte[] bytes : batch) {
                    out.write(bytes);
                    written += bytes.length;
                    if (WIRE.isDebugEnabled()) {
                        WIRE.debug("-> {} {}", name, new String(bytes, StandardCharsets.UTF_8));
                    }
                }
                out.flush();
                release(written);
                batch.clear();
            }
        } catch (IOException e) {
            if (stopAndReport()) {
                onFailure.accept(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for bytes and moves them all into the batch. @return false once stopped */
    private boolean takeAll(List<byte[]> batch) throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !stopped) {
                notEmpty.await();
            }
            if (stopped) {
                return false;
            }
            batch.addAll(queue);
            queue.clear();
            return true;
        } finally {
            lock.unlock();
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
     * Discards what is queued and ends the writer thread. A thread blocked in a socket write is released by the
     * caller closing the socket.
     */
    void stop() {
        lock.lock();
        try {
            stopped = true;
            queue.clear();
            queuedBytes = 0;
            notEmpty.signalAll();
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
