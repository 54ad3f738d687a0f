package org.portico.websocket;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.portico.xml.XmlElement;

/**
 * The last elements Portico framed for a WebSocket client, numbered 1, 2, 3 … in the order they were framed, so a
 * client that reconnects saying "I received {@code h}" gets exactly those after {@code h}. Bounded by element
 * count and UTF-8 bytes.
 *
 * <p>While a socket is attached the buffer slides: the oldest elements make room. When the socket drops, the
 * session {@link #pin}s the buffer: from then on what arrives was never sent and must not be lost, so only the
 * elements from before the drop may still make room; when they are gone and the pinned ones alone exceed a limit,
 * {@link #append} refuses and the session ends.
 *
 * <p>A pure value with no lock: its session's lock owns it.
 */
final class ReplayBuffer {

    /** {@code element} is kept only for elements framed while pinned: those may have to be bounced. */
    private record Entry(long number, XmlElement element, String frame, int bytes) {
    }

    private final int maxElements;
    private final long maxBytes;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long bytes;
    /** Number of the last element framed: how many the client should have once it has everything. */
    private long last;
    /** While pinned, elements numbered above this were never sent and may not be evicted; -1 when not pinned. */
    private long pinnedAfter = -1;

    ReplayBuffer(int maxElements, long maxBytes) {
        this.maxElements = maxElements;
        this.maxBytes = maxBytes;
    }

    /** How many elements were framed in this session. */
    long last() {
        return last;
    }

    /**
     * Numbers and keeps the element.
     *
     * @return false, keeping nothing, when the buffer is pinned and the element does not fit without evicting a
     *         pinned one; the element's number is used up all the same
     */
    boolean append(XmlElement element, String frame) {
        int size = (int) Utf8.length(frame);
        last++;
        while (!entries.isEmpty() && (entries.size() + 1 > maxElements || bytes + size > maxBytes)) {
            if (pinnedAfter >= 0 && entries.peekFirst().number() > pinnedAfter) {
                return false;
            }
            bytes -= entries.pollFirst().bytes();
        }
        if (size > maxBytes) {
            return pinnedAfter < 0; // kept by nobody: sent live, or the session ends
        }
        // an element sent live is only ever replayed as its frame; only one never sent may need bouncing
        entries.addLast(new Entry(last, pinnedAfter < 0 ? null : element, frame, size));
        bytes += size;
        return true;
    }

    /** The socket dropped: what is appended from now on was never sent. */
    void pin() {
        pinnedAfter = last;
    }

    /** A socket is attached again. */
    void unpin() {
        pinnedAfter = -1;
    }

    /**
     * The frames after element {@code h}, in order; empty when the client claims more than was framed, or when
     * elements after {@code h} were already evicted, because then they cannot be replayed.
     */
    Optional<List<String>> framesAfter(long h) {
        if (h < 0 || h > last) {
            return Optional.empty();
        }
        long first = entries.isEmpty() ? last + 1 : entries.peekFirst().number();
        if (h + 1 < first) {
            return Optional.empty();
        }
        List<String> frames = new ArrayList<>();
        for (Entry entry : entries) {
            if (entry.number() > h) {
                frames.add(entry.frame());
            }
        }
        return Optional.of(frames);
    }

    /** The elements appended since {@link #pin}: never sent, so bounced to the server when the session ends. */
    List<XmlElement> unsent() {
        List<XmlElement> unsent = new ArrayList<>();
        if (pinnedAfter >= 0) {
            for (Entry entry : entries) {
                if (entry.number() > pinnedAfter) {
                    unsent.add(entry.element());
                }
            }
        }
        return unsent;
    }

    @Override
    public String toString() {
        return "ReplayBuffer[last=" + last + " kept=" + entries.size() + " bytes=" + bytes
                + (pinnedAfter >= 0 ? " pinned after " + pinnedAfter : "") + "]";
    }
}
