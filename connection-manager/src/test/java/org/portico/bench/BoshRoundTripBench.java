package org.portico.bench;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.portico.bosh.BoshConfig;
import org.portico.http.HttpConfig;
import org.portico.server.PorticoConfig;
import org.portico.server.PorticoServer;
import org.portico.store.StoreConfig;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.upstream.TcpUpstreamConnector;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamRoute;
import org.portico.xml.XmlLimits;

/**
 * Message round-trip time over BOSH through Portico and through Prosody's own BOSH endpoint (mod_bosh), same
 * machine, same run. Run by {@code scripts/bench-bosh-rtt.sh}; see {@code docs/benchmarks.md}.
 *
 * <p>Each endpoint gets two logged-in clients ({@link RoundTripPair}). Portico runs in this JVM twice, once with
 * STARTTLS to Prosody (as deployed) and once over plain TCP (the same transport as mod_bosh, which has no hop), so
 * the cost of TLS shows apart from Portico's own. After a warm-up, the endpoints take turns in rounds, the first
 * one rotating, so that noise on the machine falls on all of them alike.
 *
 * <p>Exits 0 with the figures on standard output, 1 on any failure, 2 when it overran {@code --max-seconds}.
 */
public final class BoshRoundTripBench {

    private record Options(int rounds, int perRound, int warmup, Duration timeout, Duration maxRuntime) {

        static Options parse(String[] args) {
            Map<String, Integer> values = new LinkedHashMap<>();
            values.put("rounds", 10);
            values.put("per-round", 50);
            values.put("warmup", 50);
            values.put("timeout-seconds", 5);
            values.put("max-seconds", 900);
            for (String arg : args) {
                String[] kv = arg.replaceFirst("^--", "").split("=", 2);
                if (kv.length != 2 || !values.containsKey(kv[0]) || !kv[1].matches("[0-9]+")
                        || Integer.parseInt(kv[1]) < 1) {
                    throw new IllegalArgumentException("unknown or bad argument '" + arg + "'; use --NAME=N with"
                            + " N >= 1 for NAME in " + values.keySet());
                }
                values.put(kv[0], Integer.parseInt(kv[1]));
            }
            return new Options(values.get("rounds"), values.get("per-round"), values.get("warmup"),
                    Duration.ofSeconds(values.get("timeout-seconds")), Duration.ofSeconds(values.get("max-seconds")));
        }
    }

    private BoshRoundTripBench() {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(1);
            return;
        }
        int status = 0;
        try {
            run(options);
        } catch (Exception e) {
            System.err.println("bench failed: " + e);
            e.printStackTrace();
            status = 1;
        }
        // Jetty and the HTTP clients may still have threads running after a failure: end the JVM explicitly.
        System.exit(status);
    }

    private static void run(Options options) throws Exception {
        if (!LocalProsody.reachable()) {
            throw new IllegalStateException("no Prosody on " + LocalProsody.HOST + ":" + LocalProsody.PORT
                    + " (scripts/bench-bosh-rtt.sh starts it)");
        }
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "bench-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        watchdog.schedule(() -> {
            System.err.println("bench overran --max-seconds=" + options.maxRuntime().toSeconds() + "; aborting");
            Runtime.getRuntime().halt(2);
        }, options.maxRuntime().toSeconds(), TimeUnit.SECONDS);

        String heapBefore = MachineFacts.heapUsedAfterGc();
        try (PorticoServer overTls = startPortico(TlsPolicy.REQUIRED);
                PorticoServer overTcp = startPortico(TlsPolicy.DISABLED)) {
            List<RoundTripPair> pairs = new ArrayList<>();
            try {
                pairs.add(open("portico, STARTTLS upstream", boshUri(overTls.port()), "test1", "test2", options));
                pairs.add(open("portico, plain TCP upstream", boshUri(overTcp.port()), "test3", "test4", options));
                pairs.add(open("prosody mod_bosh (direct)", URI.create("http://" + LocalProsody.HOST + ":"
                        + LocalProsody.HTTP_PORT + "/http-bind"), "test5", "test6", options));
                long[][] samples = measure(pairs, options);
                String heapDuring = MachineFacts.heapUsedAfterGc();
                report(pairs, samples, options, heapBefore, heapDuring);
            } finally {
                pairs.forEach(RoundTripPair::close);
            }
        }
    }

    private static PorticoServer startPortico(TlsPolicy tls) throws Exception {
        PorticoConfig config = new PorticoConfig(HttpConfig.builder().port(0).maxConnections(1000).demo(false).build(),
                BoshConfig.DEFAULT, PorticoHarness.upstream(Map.of(LocalProsody.DOMAIN,
                        new UpstreamRoute(LocalProsody.HOST, LocalProsody.PORT, tls))),
                XmlLimits.DEFAULT, new StoreConfig(1000));
        return new PorticoServer(config, new TcpUpstreamConnector(config.upstream())).start();
    }

    private static URI boshUri(int port) {
        return URI.create("http://127.0.0.1:" + port + BoshConfig.DEFAULT.path());
    }

    private static RoundTripPair open(String name, URI endpoint, String userA, String userB, Options options)
            throws Exception {
        System.err.println("logging in " + userA + " and " + userB + " at " + endpoint + " (" + name + ")");
        return RoundTripPair.open(name, endpoint, LocalProsody.DOMAIN, userA, userB, options.timeout());
    }

    /** Warm-up per endpoint, then rounds in which every endpoint does perRound round trips, first one rotating. */
    private static long[][] measure(List<RoundTripPair> pairs, Options options) throws Exception {
        int n = 0;
        for (RoundTripPair pair : pairs) {
            for (int i = 0; i < options.warmup(); i++) {
                pair.roundTrip(n++);
            }
        }
        long[][] samples = new long[pairs.size()][options.rounds() * options.perRound()];
        for (int round = 0; round < options.rounds(); round++) {
            for (int turn = 0; turn < pairs.size(); turn++) {
                int which = (round + turn) % pairs.size();
                for (int i = 0; i < options.perRound(); i++) {
                    samples[which][round * options.perRound() + i] = pairs.get(which).roundTrip(n++);
                }
            }
            System.err.println("round " + (round + 1) + "/" + options.rounds() + " done");
        }
        return samples;
    }

    private static void report(List<RoundTripPair> pairs, long[][] samples, Options options, String heapBefore,
            String heapDuring) throws Exception {
        System.out.println("BOSH message round trip: A -> B, B answers at once, A receives (one held poll each)");
        System.out.println(MachineFacts.describe());
        System.out.println("Prosody: c2s " + LocalProsody.HOST + ":" + LocalProsody.PORT + ", mod_bosh http://"
                + LocalProsody.HOST + ":" + LocalProsody.HTTP_PORT + "/http-bind, " + prosodyMemory());
        System.out.println("Portico: in this JVM, Jetty " + org.eclipse.jetty.util.Jetty.VERSION
                + ", BOSH defaults; bench JVM heap used after GC: " + heapBefore + " before Portico, "
                + heapDuring + " with both Portico servers, their 4 sessions and all 6 bench clients live");
        System.out.printf(Locale.ROOT, "method: %d warm-up round trips per endpoint, then %d rounds x %d round trips"
                + " per endpoint, interleaved, first endpoint rotating%n", options.warmup(), options.rounds(),
                options.perRound());
        System.out.printf(Locale.ROOT, "%-30s %6s %9s %9s %9s %9s %9s %9s%n", "endpoint (ms)", "n", "min", "median",
                "p90", "p99", "max", "mean");
        List<LatencyStats> stats = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            LatencyStats s = LatencyStats.of(samples[i]);
            stats.add(s);
            System.out.printf(Locale.ROOT, "%-30s %6d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f%n", pairs.get(i).name(),
                    s.count(), ms(s.min()), ms(s.median()), ms(s.p90()), ms(s.p99()), ms(s.max()), s.mean() / 1e6);
        }
        LatencyStats direct = stats.get(stats.size() - 1);
        for (int i = 0; i < stats.size() - 1; i++) {
            System.out.printf(Locale.ROOT, "median ratio %s / %s: %.2f%n", pairs.get(i).name(),
                    pairs.get(pairs.size() - 1).name(), (double) stats.get(i).median() / direct.median());
        }
    }

    private static String prosodyMemory() throws Exception {
        var pidFile = LocalProsody.RUN_DIR.resolve("prosody/prosody.pid");
        if (!Files.isReadable(pidFile)) {
            return "RSS unknown (no " + pidFile + ")";
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        return "pid " + pid + ", RSS " + MachineFacts.residentSetSize(pid);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
