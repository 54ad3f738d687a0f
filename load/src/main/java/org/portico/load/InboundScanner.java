package org.portico.load;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the two things a load run looks for in a session's inbound XML, whatever the transport and however the text
 * is cut into chunks: the marker in a load message's body ({@code L:window:sender:seq:scheduledNanos}) and the id of
 * a ping answer ({@code id='ping-N'}). Only the generator's own markers are looked for, so a full XML parser (and its
 * cost) is not needed. Text that may still hold the start of a match is carried over to the next chunk; a match is
 * never reported twice. Not thread-safe: its client calls it under the client's own lock.
 */
final class InboundScanner {

    /** What a scanner reports. */
    interface Sink {
        void message(long window, int sender, long seq, long scheduledNanos);

        void pingAnswer(long ping);
    }

    static final Pattern MARKER = Pattern.compile("L:(\\d+):(\\d+):(\\d+):(\\d+)<");
    static final Pattern PING = Pattern.compile("id=['\"]ping-(\\d+)['\"]");
    /** Longer than any marker or ping id, so a match cut by a chunk boundary is still found once joined. */
    static final int CARRY = 200;

    private final Sink sink;
    private final StringBuilder pending = new StringBuilder();

    InboundScanner(Sink sink) {
        this.sink = sink;
    }

    void feed(CharSequence chunk) {
        pending.append(chunk);
        int consumed = 0;
        Matcher marker = MARKER.matcher(pending);
        while (marker.find()) {
            sink.message(Long.parseLong(marker.group(1)), Integer.parseInt(marker.group(2)),
                    Long.parseLong(marker.group(3)), Long.parseLong(marker.group(4)));
            consumed = Math.max(consumed, marker.end());
        }
        Matcher ping = PING.matcher(pending);
        while (ping.find()) {
            sink.pingAnswer(Long.parseLong(ping.group(1)));
            consumed = Math.max(consumed, ping.end());
        }
        int keepFrom = Math.max(consumed, pending.length() - CARRY);
        if (keepFrom > 0) {
            pending.delete(0, keepFrom);
        }
    }
}
