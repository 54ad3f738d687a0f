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
    private volatile Runnable expired;

    @Override
    public synchronized void respond(int status, String contentType, String body) {
        answers++;
        if (answers == 1) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
        }
    }

    @Override
    public void holdFor(Duration wait, Runnable expired) {
        this.heldFor = wait;
        this.expired = expired;
    }

    /** Plays the AsyncContext timeout. */
    public void expireWait() {
        expired.run();
    }

    public boolean answered() {
        return answers > 0;
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
