package org.portico.load;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The measured messages slower than a threshold ({@code --stall-ms}), grouped into stalls: runs of slow messages
 * whose scheduled send times lie close together. Each stall says when it began (seconds into the measured part),
 * how long its slow messages kept being scheduled, how many there were and how many senders they came from, their
 * worst latency, and the worst lateness of a send itself: a stall that every sender shares points at one process
 * or the machine, one whose sends were late points at the generator, one with on-time sends lies past the client.
 * That is how Portico's WebSocket stalls at each socket's 127th message were found (docs/benchmarks.md).
 *
 * <p>Threads: senders record their send times in their own slots ({@link #sending}); receivers add slow messages
 * under this object's monitor; {@link #summary} runs after the window.
 */
final class Stalls {

    /** Slow messages scheduled closer together than this belong to one stall. */
    static final long GAP_NANOS = 250_000_000L;

    private record Slow(long scheduledNanos, int sender, long latencyNanos, long lagNanos) {
    }

    private final long thresholdNanos;
    private final long measureFromNanos;
    /** When each sender began each send, by sequence number; 0 until it did. */
    private final long[][] began;
    private final List<Slow> slow = new ArrayList<>();

    /**
     * @param perSender how many messages a sender schedules at most in the window
     */
    Stalls(long thresholdNanos, long measureFromNanos, int senders, int perSender) {
        this.thresholdNanos = thresholdNanos;
        this.measureFromNanos = measureFromNanos;
        this.began = new long[senders][perSender];
    }

    /** The sender is about to send message {@code seq}. */
    void sending(int sender, long seq, long nowNanos) {
        if (seq < began[sender].length) {
            began[sender][(int) seq] = nowNanos;
        }
    }

    /** A measured message arrived after {@code latencyNanos}; kept when that is above the threshold. */
    void arrived(int sender, long seq, long scheduledNanos, long latencyNanos) {
        if (latencyNanos <= thresholdNanos) {
            return;
        }
        long sent = seq < began[sender].length ? began[sender][(int) seq] : 0;
        Slow message = new Slow(scheduledNanos, sender, latencyNanos, sent == 0 ? 0 : sent - scheduledNanos);
        synchronized (this) {
            slow.add(message);
        }
    }

    /** The {@code most} stalls with the most slow messages, in the order they happened. */
    synchronized List<String> summary(int most) {
        List<Slow> sorted = new ArrayList<>(slow);
        sorted.sort(Comparator.comparingLong(Slow::scheduledNanos));
        List<List<Slow>> stalls = new ArrayList<>();
        for (Slow message : sorted) {
            List<Slow> last = stalls.isEmpty() ? null : stalls.get(stalls.size() - 1);
            if (last == null || message.scheduledNanos - last.get(last.size() - 1).scheduledNanos > GAP_NANOS) {
                last = new ArrayList<>();
                stalls.add(last);
            }
            last.add(message);
        }
        stalls.sort(Comparator.comparingInt((List<Slow> stall) -> stall.size()).reversed());
        List<List<Slow>> kept = new ArrayList<>(stalls.subList(0, Math.min(most, stalls.size())));
        kept.sort(Comparator.comparingLong(stall -> stall.get(0).scheduledNanos()));
        return kept.stream().map(this::describe).toList();
    }

    private String describe(List<Slow> stall) {
        long first = stall.get(0).scheduledNanos;
        long span = stall.get(stall.size() - 1).scheduledNanos - first;
        long senders = stall.stream().mapToInt(Slow::sender).distinct().count();
        long worst = stall.stream().mapToLong(Slow::latencyNanos).max().orElse(0);
        long lag = stall.stream().mapToLong(Slow::lagNanos).max().orElse(0);
        return String.format(Locale.ROOT, "at %.2f s for %d ms: %d messages from %d senders, max %.1f ms,"
                + " sends up to %.1f ms late", (first - measureFromNanos) / 1e9, span / 1_000_000, stall.size(),
                senders, worst / 1e6, lag / 1e6);
    }
}
