package org.portico.metrics;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.portico.session.XmppSession;
import org.portico.upstream.StreamHeader;
import org.portico.upstream.Upstream;
import org.portico.upstream.UpstreamConnector;
import org.portico.upstream.UpstreamEnd;
import org.portico.upstream.UpstreamListener;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * Every upstream stream Portico opens, seen from between the session and the real connector: each transport gets
 * its own view ({@link #forTransport}), so sessions started and ended, upstream connects and failures, XEP-0198
 * resumptions passing from server to client and the time Portico spends on each server stanza are counted in one
 * place, for both transports, with no call in the session or transport code. It also knows how many streams are
 * still open, which the drain waits on.
 *
 * <p>{@link #lock} owns the count of open streams; the listener wrappers are each confined to their stream's reader
 * thread, as the listener they wrap is.
 */
public final class ObservedUpstreams {

    private final UpstreamConnector connector;
    private final Metrics metrics;
    private final Ticker clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition allClosed = lock.newCondition();
    private int open;

    public ObservedUpstreams(UpstreamConnector connector, Metrics metrics, Ticker clock) {
        this.connector = connector;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The connector {@code transport}'s sessions open their upstreams with. */
    public UpstreamConnector forTransport(Metrics.Transport transport) {
        return (header, route, client, listener) -> connect(transport, header, route, client, listener);
    }

    private Upstream connect(Metrics.Transport transport, StreamHeader header, String route, String client,
            UpstreamListener listener) {
        lock.lock();
        try {
            open++;
        } finally {
            lock.unlock();
        }
        metrics.sessionStarted(transport);
        return connector.connect(header, route, client, new Observed(transport, listener));
    }

    /** How many upstream streams are open or opening now. */
    public int open() {
        lock.lock();
        try {
            return open;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every upstream stream has ended, at most {@code timeout}: the drain's last step, so the server's
     * answers to our closing tags are read before Portico exits.
     *
     * @return whether none is open
     */
    public boolean awaitAllClosed(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (open > 0 && left > 0) {
                left = allClosed.awaitNanos(left);
            }
            return open == 0;
        } finally {
            lock.unlock();
        }
    }

    private void closed() {
        lock.lock();
        try {
            open--;
            if (open == 0) {
                allClosed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "ObservedUpstreams[" + open() + " open via " + connector + "]";
    }

    /** One stream's listener, observed on its reader thread. */
    private final class Observed implements UpstreamListener {
        private final Metrics.Transport transport;
        private final UpstreamListener listener;
        /** The stream's reader only (its thread, then the poller's, which sees what the thread wrote). */
        private boolean opened;

        Observed(Metrics.Transport transport, UpstreamListener listener) {
            this.transport = transport;
            this.listener = listener;
        }

        @Override
        public void onOpened(XmlElement header) {
            if (!opened) {
                opened = true;
                metrics.upstreamConnected();
            }
            listener.onOpened(header);
        }

        @Override
        public void onElement(XmlElement element) {
            long start = clock.read();
            listener.onElement(element);
            metrics.stanzaProcessed(Metrics.Direction.OUT, clock.read() - start);
            if (element.is(Namespaces.SM, "resumed")) {
                metrics.reloadResumed(Metrics.Reload.XEP_0198);
            }
        }

        @Override
        public void onReadEnd() {
            listener.onReadEnd();
        }

        @Override
        public boolean neverWaits() {
            return listener.neverWaits();
        }

        @Override
        public void onClosed(UpstreamEnd end) {
            if (!opened) {
                metrics.upstreamFailed(end.reason());
            }
            try {
                listener.onClosed(end);
            } finally {
                closed();
                if (listener instanceof XmppSession session) {
                    session.end().ifPresent(ended -> metrics.sessionEnded(transport, ended.cause()));
                }
            }
        }
    }
}
