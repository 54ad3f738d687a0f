package org.portico.testing;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.portico.bosh.BoshExchange;

/** A held BOSH request in a unit test: records its answer and lets the test fire its wait timeout. */
public final class RecordingExchange implements BoshExchange {

    private volatile int status = -1;
    private volatile String body;
    private volatile String contentType;
    private volatile int answers;
    private volatile Duration heldFor;
    private volatile Listener listener;
    private volatile boolean closed;
    /** Set by {@link #parkWrites}: the next write waits here for the test to say how it went. */
    private volatile CompletableFuture<Boolean> parked;
    private final CountDownLatch writing = new CountDownLatch(1);
    /** Runs as the answer is written, before it is recorded: what happens meanwhile on other threads. */
    public volatile Runnable whileAnswering = () -> { };
    private final CountDownLatch recorded = new CountDownLatch(1);

    /**
     * Records the answer; its outcome is told at once, or, after {@link #parkWrites}, when the test calls
     * {@link #finishWrite}, as a write the socket did not take at once is finished by another thread.
     */
    @Override
    public void respond(int status, String contentType, String body, Outcome outcome) {
        whileAnswering.run();
        CompletableFuture<Boolean> pending = parked;
        if (pending == null) {
            outcome.delivered(record(status, contentType, body));
            return;
        }
        writing.countDown();
        pending.thenAccept(delivered -> {
            synchronized (this) {
                closed |= !delivered;
            }
            outcome.delivered(record(status, contentType, body));
        });
    }

    /** Recorded like {@link #respond}: a relayed answer is the owner's text, which the test reads as it came. */
    @Override
    public void relay(int status, String contentType, String body) {
        respond(status, contentType, body);
    }

    private synchronized boolean record(int status, String contentType, String body) {
        answers++;
        recorded.countDown();
        if (answers == 1 && !closed) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
            return true;
        }
        return false;
    }

    @Override
    public void holdFor(Duration wait, Listener listener) {
        this.heldFor = wait;
        this.listener = listener;
    }

    /** Plays the end of the wait (the beat, or for a short wait Jetty's scheduler). */
    public void expireWait() {
        listener.waitExpired();
    }

    /** Plays the client closing the connection of the held request, as the servlet's watch reports it. */
    public void closeConnection() {
        synchronized (this) {
            closed = true;
        }
        listener.connectionLost();
    }

    /**
     * Plays a connection that is already gone when the answer is written (the write fails): the answer is recorded
     * as attempted but not delivered.
     */
    public synchronized void failWrites() {
        closed = true;
    }

    /**
     * Plays a write that takes a while: the answers from now on are recorded, and their outcome told, only when
     * {@link #finishWrite} says whether they reached the client.
     */
    public void parkWrites() {
        parked = new CompletableFuture<>();
    }

    /** Waits until the session is writing its answer to a parked exchange. */
    public void awaitWriting() throws InterruptedException {
        if (!writing.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the session never wrote its answer");
        }
    }

    /** Waits until the session answered, for answers written on a thread of their own. */
    public void awaitAnswer() throws InterruptedException {
        if (!recorded.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the session never answered");
        }
    }

    /** Ends a parked write: it reached the client, or the connection turned out to be gone. */
    public void finishWrite(boolean delivered) {
        parked.complete(delivered);
    }

    /** Whether the session answered, delivered or not. */
    public boolean answered() {
        return answers > 0;
    }

    /** Whether an answer reached the client. */
    public boolean delivered() {
        return body != null;
    }

    /** How often the session answered this exchange; more than once is a bug. */
    public int answers() {
        return answers;
    }

    public int status() {
        return status;
    }

    public String body() {
        if (body == null) {
            throw new AssertionError("exchange not answered");
        }
        return body;
    }

    public String contentType() {
        return contentType;
    }

    public Duration heldFor() {
        return heldFor;
    }
}
