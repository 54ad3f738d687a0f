package org.portico.testing;

import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.portico.upstream.UpstreamEnd;
import org.portico.upstream.UpstreamListener;
import org.portico.xml.XmlElement;

/**
 * Records what an upstream stream reports, for tests to take in order with a bounded wait, and checks the
 * {@link UpstreamListener} contract on the way: one reporting thread, nothing after {@code onClosed}, which comes
 * once.
 */
public final class RecordingUpstreamListener implements UpstreamListener {

    public sealed interface Event permits Opened, Element, Closed {
    }

    public record Opened(XmlElement header) implements Event {
    }

    public record Element(XmlElement element) implements Event {
    }

    public record Closed(UpstreamEnd end) implements Event {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger afterClose = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public void onOpened(XmlElement header) {
        record(new Opened(header));
    }

    @Override
    public void onElement(XmlElement element) {
        record(new Element(element));
    }

    @Override
    public void onClosed(UpstreamEnd end) {
        record(new Closed(end));
    }

    private void record(Event event) {
        threads.add(Thread.currentThread());
        if (closed.getCount() == 0) {
            afterClose.incrementAndGet();
        }
        events.add(event);
        if (event instanceof Closed) {
            closed.countDown();
        }
    }

    /** The next event, waiting up to {@link ScriptedXmppServer#TIMEOUT}. */
    public Event next() {
        try {
            Event event = events.poll(ScriptedXmppServer.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (event == null) {
                throw new AssertionError("no upstream event within " + ScriptedXmppServer.TIMEOUT);
            }
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for an upstream event");
        }
    }

    public XmlElement awaitOpened() {
        Event event = next();
        if (event instanceof Opened opened) {
            return opened.header();
        }
        throw new AssertionError("expected onOpened, got " + event);
    }

    public XmlElement awaitElement() {
        Event event = next();
        if (event instanceof Element element) {
            return element.element();
        }
        throw new AssertionError("expected onElement, got " + event);
    }

    public UpstreamEnd awaitClosed() {
        Event event = next();
        if (event instanceof Closed end) {
            return end.end();
        }
        throw new AssertionError("expected onClosed, got " + event);
    }

    /** Whether onClosed has been called, without waiting. */
    public boolean hasClosed() {
        return closed.getCount() == 0;
    }

    /** Events not yet taken. */
    public int pending() {
        return events.size();
    }

    /** The contract: a single reporting thread and nothing after onClosed. */
    public void assertContractKept() {
        if (threads.size() > 1) {
            throw new AssertionError("events came from " + threads.size() + " threads: " + threads);
        }
        if (afterClose.get() > 0) {
            throw new AssertionError(afterClose.get() + " events after onClosed");
        }
    }
}
