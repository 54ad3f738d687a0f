package org.portico.websocket;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A text message as its fragments arrive (RFC 6455 §5.4): the first frame and its continuations, joined into the
 * message's octets once the frame with FIN comes. A message of one frame, the usual case, is copied once, out of
 * Jetty's pooled buffer, which it takes back when the frame's callback completes.
 *
 * <p>Threads: owned by the socket's reading. Jetty delivers a socket's frames one at a time, each after the last
 * one's callback, so no lock is needed.
 */
final class Fragments {

    /** The message is above {@code websocket.maxMessageBytes}: RFC 6455 §7.4.1's 1009 closes the socket. */
    static final class TooLarge extends Exception {
        TooLarge(long octets, int limit) {
            super("a text message of at least " + octets + " octets, above websocket.maxMessageBytes (" + limit + ")",
                    null, false, false);
        }
    }

    private final int limit;
    /** The octets of the message's earlier fragments, or null between messages. */
    private byte[] joined;
    private int length;

    Fragments(int limit) {
        this.limit = limit;
    }

    /**
     * Adds one frame's payload.
     *
     * @return the whole message when this frame ends it ({@code fin}), else null
     */
    byte[] add(ByteBuffer payload, boolean fin) throws TooLarge {
        int octets = payload == null ? 0 : payload.remaining();
        long total = (long) length + octets;
        if (total > limit) {
            discard();
            throw new TooLarge(total, limit);
        }
        if (fin && joined == null) {
            byte[] message = new byte[octets];
            if (octets > 0) {
                payload.get(payload.position(), message);
            }
            return message;
        }
        if (joined == null) {
            joined = new byte[Math.max(octets * 2, 256)];
        } else if (total > joined.length) {
            joined = Arrays.copyOf(joined, (int) Math.min(limit, Math.max(total, joined.length * 2L)));
        }
        if (octets > 0) {
            payload.get(payload.position(), joined, length, octets);
        }
        length = (int) total;
        if (!fin) {
            return null;
        }
        byte[] message = Arrays.copyOf(joined, length);
        discard();
        return message;
    }

    /** Whether a message has begun and not yet ended. */
    boolean pending() {
        return joined != null;
    }

    private void discard() {
        joined = null;
        length = 0;
    }
}
