package org.portico.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One measured stretch of chat traffic on a logged-in {@link SessionGroup}: every session sends to its pair partner
 * at {@code rate / sessions} messages per second, the sends spread evenly over the sessions, each one scheduled on a
 * fixed timetable. Latency runs from the scheduled send time to arrival, so a client or server that falls behind
 * its timetable is measured, not hidden (no coordinated omission). Messages sent during the warm-up count for loss
 * and duplication, not for latency. Each received message is checked: right window, sent by the partner, not seen
 * before. Per-receiver sets of sequence numbers are guarded by their own monitor.
 */
final class MessageWindow implements SessionGroup.Receiver {

    /**
     * XEP-0334: neither archived nor stored offline. The servers would otherwise archive every load message, and
     * their archives, kept between runs, grew until they set the pace: Prosody's file archive at 382 MB and
     * ejabberd's Mnesia table at 56 MB took Prosody's c2s p99 at 1,000 messages a second from 42 ms to 2.3 s, and
     * ejabberd delivered none (docs/benchmarks.md). Every target is spared alike.
     */
    private static final String NO_STORE = "<no-store xmlns='urn:xmpp:hints'/>";

    /** What one window measured. */
    record Outcome(long sent, long received, long lost, long duplicated, long stray, long sendErrors,
            Percentiles latency, List<String> stalls, List<String> failures, double measuredSeconds) {
    }

    /** How many stalls an outcome lists at most. */
    private static final int STALLS = 5;

    private final SessionGroup group;
    private final long window;
    private final BitSet[] seen;
    private final Percentiles latency = new Percentiles();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong duplicated = new AtomicLong();
    private final AtomicLong stray = new AtomicLong();
    private final long stallNanos;
    private volatile long measureFromNanos;
    private volatile Stalls stalls;

    /** @param stall the latency above which a measured message counts towards a stall ({@link Stalls}) */
    MessageWindow(SessionGroup group, long window, Duration stall) {
        this.group = group;
        this.window = window;
        this.stallNanos = stall.toNanos();
        this.seen = new BitSet[group.size()];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = new BitSet();
        }
    }

    @Override
    public void message(int receiver, long inWindow, int sender, long seq, long scheduledNanos, long nowNanos) {
        if (inWindow != window || sender != (receiver ^ 1) || seq > Integer.MAX_VALUE) {
            stray.incrementAndGet();
            return;
        }
        boolean first;
        synchronized (seen[receiver]) {
            first = !seen[receiver].get((int) seq);
            seen[receiver].set((int) seq);
        }
        if (!first) {
            duplicated.incrementAndGet();
            return;
        }
        received.incrementAndGet();
        if (scheduledNanos >= measureFromNanos) {
            latency.add(nowNanos - scheduledNanos);
            stalls.arrived(sender, seq, scheduledNanos, nowNanos - scheduledNanos);
        }
    }

    @Override
    public void pingAnswer(int receiver, long ping, long nowNanos) {
        // no pings in a message window
    }

    /**
     * Runs the window: {@code warmup} then {@code duration} of traffic at {@code rate} messages per second in
     * total, then up to {@code grace} for the last messages to arrive. {@code onMeasureStart}/{@code onMeasureEnd}
     * run at the edges of the measured part (process readings).
     */
    Outcome run(double rate, Duration warmup, Duration duration, Duration grace, Runnable onMeasureStart,
            Runnable onMeasureEnd) throws InterruptedException {
        int sessions = group.size();
        double intervalNanos = sessions * 1e9 / rate;
        long start = System.nanoTime() + 100_000_000L;
        measureFromNanos = start + warmup.toNanos();
        long end = measureFromNanos + duration.toNanos();
        stalls = new Stalls(stallNanos, measureFromNanos, sessions, (int) ((end - start) / intervalNanos) + 2);
        AtomicLong sent = new AtomicLong();
        AtomicLong sendErrors = new AtomicLong();
        group.receiveWith(this);
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            int sender = i;
            senders.add(Thread.ofVirtual().name("sender-" + i).start(() -> {
                XmppClient client = group.client(sender);
                String to = group.jid(sender ^ 1);
                long offset = (long) (intervalNanos * sender / sessions);
                for (long seq = 0; ; seq++) {
                    long scheduled = start + offset + (long) (seq * intervalNanos);
                    if (scheduled >= end) {
                        return;
                    }
                    sleepUntil(scheduled);
                    stalls.sending(sender, seq, System.nanoTime());
                    try {
                        client.send("<message xmlns='jabber:client' to='" + to + "' type='chat' id='w" + window
                                + "-" + sender + "-" + seq + "'><body>L:" + window + ":" + sender + ":" + seq + ":"
                                + scheduled + "</body>" + NO_STORE + "</message>");
                        sent.incrementAndGet();
                    } catch (Exception e) {
                        sendErrors.incrementAndGet();
                    }
                }
            }));
        }
        sleepUntil(measureFromNanos);
        onMeasureStart.run();
        sleepUntil(end);
        onMeasureEnd.run();
        for (Thread thread : senders) {
            thread.join();
        }
        long graceEnd = System.nanoTime() + grace.toNanos();
        while (received.get() < sent.get() && System.nanoTime() < graceEnd) {
            Thread.sleep(20);
        }
        List<String> failures = group.failures();
        long got = received.get();
        return new Outcome(sent.get(), got, sent.get() - got, duplicated.get(), stray.get(), sendErrors.get(),
                latency, stalls.summary(STALLS), failures, duration.toNanos() / 1e9);
    }

    static void sleepUntil(long nanos) {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
