package org.portico.testing;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.portico.upstream.UpstreamEnd;
import org.portico.upstream.UpstreamListener;
import org.portico.xml.XmlElement;

/**
 * Records what an upstream stream reports, for tests to take in order with a bounded wait, and checks the
 * {@link UpstreamListener} contract on the way: one call at a time (from the stream's reader thread, or from the
 * poller's once the stream is open, for a listener that {@linkplain #neverWaits never waits}), nothing after
 * {@code onClosed}, which comes once.
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
    private final boolean neverWaits;
    private final AtomicInteger calling = new AtomicInteger();
    private final AtomicInteger overlapping = new AtomicInteger();
    private final AtomicInteger afterClose = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    /** How many openings and elements each read reported, one entry per {@link #onReadEnd}. */
    private final BlockingQueue<Integer> reads = new LinkedBlockingQueue<>();
    /** Openings and elements since the last read's end; calls are serial (checked), so no lock. */
    private int sinceReadEnd;

    /** A listener that may wait (as a BOSH session's): the stream keeps a reader thread for it. */
    public RecordingUpstreamListener() {
        this(false);
    }

    /** @param neverWaits what {@link #neverWaits} answers: true to have a plain stream read by the poller */
    public RecordingUpstreamListener(boolean neverWaits) {
        this.neverWaits = neverWaits;
    }

    @Override
    public boolean neverWaits() {
        return neverWaits;
    }

    @Override
    public void onOpened(XmlElement header) {
        record(new Opened(header));
    }

    @Override
    public void onElement(XmlElement element) {
        record(new Element(element));
    }

    @Override
    public void onReadEnd() {
        reads.add(sinceReadEnd);
        sinceReadEnd = 0;
    }

    @Override
    public void onClosed(UpstreamEnd end) {
        record(new Closed(end));
    }

    private void record(Event event) {
        if (calling.incrementAndGet() > 1) {
            overlapping.incrementAndGet();
        }
        if (closed.getCount() == 0) {
            afterClose.incrementAndGet();
        }
        events.add(event);
        if (event instanceof Closed) {
            closed.countDown();
        } else {
            sinceReadEnd++;
        }
        calling.decrementAndGet();
    }

    /** The next event, waiting up to {@link ScriptedXmppServer#TIMEOUT}. */
    public Event next() {
        return take(events, "an upstream event");
    }

    /** How many openings and elements the next read reported, waiting up to {@link ScriptedXmppServer#TIMEOUT}. */
    public int nextRead() {
        return take(reads, "the end of a read");
    }

    private static <T> T take(BlockingQueue<T> queue, String what) {
        try {
            T taken = queue.poll(ScriptedXmppServer.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (taken == null) {
                throw new AssertionError("no " + what + " within " + ScriptedXmppServer.TIMEOUT);
            }
            return taken;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what);
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

    /** The contract: one call at a time and nothing after onClosed. */
    public void assertContractKept() {
        if (overlapping.get() > 0) {
            throw new AssertionError(overlapping.get() + " calls overlapped another");
        }
        if (afterClose.get() > 0) {
            throw new AssertionError(afterClose.get() + " events after onClosed");
        }
    }
}
