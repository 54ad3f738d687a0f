package org.portico.testing;

import java.time.Duration;
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

    @Override
    public synchronized boolean respond(int status, String contentType, String body) {
        answers++;
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

    /** Plays the AsyncContext timeout. */
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
