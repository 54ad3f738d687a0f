package org.portico.load;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Idle sessions held for a while, with a probe: one session pings the server (XEP-0199) at a fixed interval and the
 * round trip of each ping is recorded, so that "idle" also shows whether an endpoint holding many sessions still
 * answers promptly. The pings' send times are kept in a concurrent map keyed by ping number.
 */
final class IdleHold implements SessionGroup.Receiver {

    /** What one hold measured. */
    record Outcome(long pings, long answered, Percentiles pingRoundTrip, java.util.List<String> failures) {
    }

    private final SessionGroup group;
    private final String domain;
    private final Map<Long, Long> pending = new ConcurrentHashMap<>();
    private final Percentiles roundTrip = new Percentiles();

    IdleHold(SessionGroup group, String domain) {
        this.group = group;
        this.domain = domain;
    }

    @Override
    public void message(int receiver, long window, int sender, long seq, long scheduledNanos, long nowNanos) {
        // no chat while idle
    }

    @Override
    public void pingAnswer(int receiver, long ping, long nowNanos) {
        Long sentAt = pending.remove(ping);
        if (sentAt != null) {
            roundTrip.add(nowNanos - sentAt);
        }
    }

    /** Holds the sessions for {@code duration}, probing every {@code probeInterval}, then waits up to {@code grace}. */
    Outcome run(Duration duration, Duration probeInterval, Duration grace) throws InterruptedException {
        group.receiveWith(this);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long pings = 0;
        XmppClient probe = group.client(0);
        for (long next = start; next < end; next += probeInterval.toNanos()) {
            MessageWindow.sleepUntil(next);
            pending.put(pings, System.nanoTime());
            try {
                probe.send("<iq xmlns='jabber:client' type='get' id='ping-" + pings + "' to='" + domain
                        + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            } catch (Exception e) {
                pending.remove(pings);
            }
            pings++;
        }
        MessageWindow.sleepUntil(end);
        long graceEnd = System.nanoTime() + grace.toNanos();
        while (!pending.isEmpty() && System.nanoTime() < graceEnd) {
            Thread.sleep(20);
        }
        return new Outcome(pings, roundTrip.count(), roundTrip, group.failures());
    }
}
