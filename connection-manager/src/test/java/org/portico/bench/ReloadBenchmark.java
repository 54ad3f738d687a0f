package org.portico.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.portico.testing.PorticoHarness;
import org.portico.testing.ReloadingReceiver;
import org.portico.testing.ReloadingReceiver.Kind;

/**
 * Reload-to-resumed times of the four ways a session survives a page reload, side by side in one run against the
 * local Prosody: BOSH pause, BOSH restore, Portico's WebSocket resume token, and XEP-0198 resumption over
 * WebSocket. One sample is {@link ReloadingReceiver#reload}: from the moment the old page loses its transport until
 * the new page has the session back and a ping it sent was answered in order. The scenarios take turns, so drift
 * in the machine's load spreads over all of them. Run by {@code scripts/bench-reload.sh [iterations]}.
 */
public final class ReloadBenchmark {

    /**
     * Reloads per way before the samples count. A Portico that serves reloads has long been running, its code
     * compiled; this benchmark starts Portico and its clients in one fresh JVM, where the first hundred or so reloads
     * per way still run partly interpreted. With 5 reloads first, the BOSH pause median was 8.6 ms over 100 samples
     * and 4.4 ms over 500: the early samples measured the JIT, not the reload (docs/benchmarks.md).
     */
    private static final int WARM_UP = 100;

    private ReloadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        Map<Kind, List<Long>> samples = new EnumMap<>(Kind.class);
        Map<Kind, ReloadingReceiver> receivers = new EnumMap<>(Kind.class);
        try (PorticoHarness portico = PorticoHarness.start()) {
            int user = 1;
            for (Kind kind : Kind.values()) {
                ReloadingReceiver receiver = kind.create(portico);
                receivers.put(kind, receiver);
                receiver.login("test" + user++, "bench-" + kind.name().toLowerCase(Locale.ROOT));
                samples.put(kind, new ArrayList<>());
            }
            Kind[] order = Kind.values();
            for (int i = -WARM_UP; i < iterations; i++) {
                for (int k = 0; k < order.length; k++) {
                    Kind kind = order[Math.floorMod(i + k, order.length)];
                    long start = System.nanoTime();
                    receivers.get(kind).reload();
                    long took = System.nanoTime() - start;
                    if (i >= 0) {
                        samples.get(kind).add(took);
                    }
                }
            }
        } finally {
            receivers.values().forEach(ReloadingReceiver::close);
        }
        System.out.printf(Locale.ROOT, "Reload to resumed (ms), %d reloads each, interleaved, Portico and Prosody on"
                + " loopback%n", iterations);
        System.out.printf(Locale.ROOT, "%-20s %8s %8s %8s %8s%n", "scenario", "median", "p90", "min", "max");
        for (Kind kind : Kind.values()) {
            List<Long> sorted = samples.get(kind).stream().sorted().toList();
            System.out.printf(Locale.ROOT, "%-20s %8.2f %8.2f %8.2f %8.2f%n", kind.name().toLowerCase(Locale.ROOT),
                    millis(percentile(sorted, 50)), millis(percentile(sorted, 90)), millis(sorted.get(0)),
                    millis(sorted.get(sorted.size() - 1)));
        }
    }

    /** Nearest-rank percentile of sorted samples. */
    private static long percentile(List<Long> sorted, int percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }
}
