package org.portico.admin;

import com.github.benmanes.caffeine.cache.Ticker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.portico.upstream.UpstreamRoute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether any configured upstream ({@code upstream.domain.*}) accepts a TCP connection now: what readiness asks, so
 * a load balancer stops sending browsers to a Portico that could not relay them. A plain connect with a timeout,
 * closed at once (the server sees a connection without a stream, which it drops); the answer is kept for
 * {@code admin.upstreamCheckEvery} on Portico's clock, so frequent probes do not become frequent connections. With
 * no configured route (SRV discovery only) there is nothing to probe, and the answer is yes.
 *
 * <p>{@link #lock} owns the cached answer; the connects run under it, so concurrent probes share one check.
 */
final class UpstreamProbe {

    private static final Logger log = LoggerFactory.getLogger(UpstreamProbe.class);

    /**
     * One answer.
     *
     * @param reachable whether some upstream accepted a connection
     * @param detail    what was tried and how it went, for the readiness body and the log
     */
    record Answer(boolean reachable, String detail) {
    }

    private final List<UpstreamRoute> routes;
    private final Duration timeout;
    private final Duration reuse;
    private final Ticker clock;
    private final ReentrantLock lock = new ReentrantLock();
    private Answer last;
    private long checkedAt;

    UpstreamProbe(Collection<UpstreamRoute> routes, Duration timeout, Duration reuse, Ticker clock) {
        this.routes = List.copyOf(routes);
        this.timeout = timeout;
        this.reuse = reuse;
        this.clock = clock;
    }

    /** The latest answer, checked again when it is older than the reuse period. */
    Answer check() {
        lock.lock();
        try {
            long now = clock.read();
            if (last == null || now - checkedAt >= reuse.toNanos()) {
                Answer previous = last;
                last = connect();
                checkedAt = now;
                if (previous == null ? !last.reachable() : previous.reachable() != last.reachable()) {
                    log.info("upstream {}: {}", last.reachable() ? "reachable" : "unreachable", last.detail());
                }
            }
            return last;
        } finally {
            lock.unlock();
        }
    }

    private Answer connect() {
        if (routes.isEmpty()) {
            return new Answer(true, "no configured upstream to probe (SRV discovery)");
        }
        List<String> failures = new ArrayList<>();
        for (UpstreamRoute route : routes) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(route.host(), route.port()), Math.toIntExact(timeout.toMillis()));
                return new Answer(true, route.address() + " accepts connections");
            } catch (IOException e) {
                failures.add(route.address() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                        : e.getMessage()));
            }
        }
        return new Answer(false, String.join("; ", failures));
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "UpstreamProbe[" + routes.size() + " routes, " + (last == null ? "unchecked" : last) + "]";
        } finally {
            lock.unlock();
        }
    }
}
