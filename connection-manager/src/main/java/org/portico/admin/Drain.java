package org.portico.admin;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.portico.metrics.ObservedUpstreams;
import org.portico.metrics.SessionCensus;
import org.portico.session.ClientSession;
import org.portico.session.SessionGate;
import org.portico.store.SessionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A graceful stop (SIGTERM, or {@code POST /drain} on the admin listener), in the order a load balancer and the
 * clients need it:
 * <ol>
 *   <li>readiness answers 503 and new sessions are sent to {@code http.shutdownRedirect} or refused: the
 *       {@link SessionGate} closes;</li>
 *   <li>every session is told to leave: BOSH {@code see-other-uri} or {@code system-shutdown}, WebSocket
 *       {@code <close see-other-uri/>} or {@code system-shutdown}; its upstream is closed, except that a stream with
 *       XEP-0198 resumption is dropped without {@code </stream:stream>}, so the server keeps it for the client's
 *       resumption at the other Portico;</li>
 *   <li>Portico waits, at most {@code admin.drainGrace}, for BOSH clients to collect their end with their next
 *       request and for every upstream stream to finish;</li>
 *   <li>it stops (the store, the sockets' closing handshakes, Jetty, the admin listener).</li>
 * </ol>
 *
 * <p>{@link #lock} owns the {@link State}; one caller runs the drain, any other waits for it to finish.
 */
public final class Drain {

    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    /** How often the wait looks at the sessions again: short beside any grace an operator would give. */
    private static final Duration LOOK_AGAIN = Duration.ofMillis(50);

    /** SERVING → DRAINING → DRAINED; a drain never restarts. */
    enum State {
        SERVING, DRAINING, DRAINED
    }

    private final Duration grace;
    private final String redirect;
    private final SessionGate gate;
    private final SessionStore<String, ClientSession> store;
    private final ObservedUpstreams upstreams;
    private final Ticker clock;
    private final Runnable stop;
    private final ReentrantLock lock = new ReentrantLock();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private State state = State.SERVING;

    /**
     * @param redirect where clients go: another Portico's base URL ({@code http.shutdownRedirect}), or empty
     * @param stop     stops this Portico once its clients have gone
     */
    public Drain(Duration grace, String redirect, SessionGate gate, SessionStore<String, ClientSession> store,
            ObservedUpstreams upstreams, Ticker clock, Runnable stop) {
        this.grace = grace;
        this.redirect = redirect;
        this.gate = gate;
        this.store = store;
        this.upstreams = upstreams;
        this.clock = clock;
        this.stop = stop;
    }

    /** Completes once a drain has stopped this Portico. */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    /**
     * Begins a drain for a caller that must answer now ({@code POST /drain}): readiness is 503 and new sessions go
     * elsewhere when this returns; the rest runs on a thread of its own.
     *
     * @return whether this call began it (false: a drain was already under way or over)
     */
    public boolean start() {
        if (!begin()) {
            return false;
        }
        long started = clock.read();
        Thread.ofPlatform().name("portico-drain").start(() -> proceed(started));
        return true;
    }

    /** Drains and returns once Portico has stopped; if a drain is already under way, waits for it instead. */
    public void run() {
        if (begin()) {
            proceed(clock.read());
        } else {
            drained.join();
        }
    }

    /** SERVING → DRAINING: the gate closes at once, so readiness and new sessions change before anything else. */
    private boolean begin() {
        lock.lock();
        try {
            if (state != State.SERVING) {
                return false;
            }
            state = State.DRAINING;
        } finally {
            lock.unlock();
        }
        gate.close(redirect);
        log.info("draining: readiness 503, new sessions {}, at most {} for clients to leave",
                redirect.isEmpty() ? "refused (system-shutdown)" : "sent to " + redirect, grace);
        return true;
    }

    private void proceed(long started) {
        try {
            int told = tellSessions();
            boolean clean = awaitClientsGone(started + grace.toNanos());
            stop.run();
            log.info("drained in {} ms; sessions told to leave: {}{}", (clock.read() - started) / 1_000_000, told,
                    clean ? "" : "; the grace period ran out before every client left");
        } finally {
            finished();
            drained.complete(null);
        }
    }

    private void finished() {
        lock.lock();
        try {
            if (state != State.DRAINING) {
                throw new IllegalStateException("finished in state " + state);
            }
            state = State.DRAINED;
        } finally {
            lock.unlock();
        }
    }

    private int tellSessions() {
        int told = 0;
        for (ClientSession session : store.snapshot().values()) {
            if (redirect.isEmpty()) {
                session.shutdown();
            } else {
                session.redirect(redirect);
            }
            told++;
        }
        return told;
    }

    /**
     * Waits until every session's client knows its end and every upstream stream has finished, or the deadline (on
     * Portico's clock) passes. A BOSH client learns the end with its next request, which it sends at once or after
     * its pause, so this looks again every {@link #LOOK_AGAIN} rather than waiting on each session.
     *
     * @return whether everything finished before the deadline
     */
    private boolean awaitClientsGone(long deadline) {
        try {
            for (SessionCensus census = SessionCensus.of(store); !census.allEnded(); census = SessionCensus.of(store)) {
                if (clock.read() >= deadline) {
                    return false;
                }
                if (!census.allTold()) {
                    // a session admitted while the gate was closing, after the first round: tell it too
                    tellSessions();
                }
                Thread.sleep(LOOK_AGAIN);
            }
            return upstreams.awaitAllClosed(Duration.ofNanos(Math.max(0, deadline - clock.read())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "Drain[" + state + ", grace " + grace + (redirect.isEmpty() ? "" : " -> " + redirect) + "]";
        } finally {
            lock.unlock();
        }
    }
}
