package org.portico.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The load generator's command-line options ({@link #USAGE}); every count, rate and time is bounded, and a value out
 * of bounds, an unknown option or one given twice is refused by name.
 */
record LoadOptions(String mode, List<Target> targets, int sessions, String domain, long clockTicks,
        Duration duration, Duration warmup, Duration settle, Duration grace, int rounds, double rate,
        double startRate, double rateFactor, double maxRate, double p99LimitMs, Duration probeInterval,
        int boshWait, BrowserHabits habits, Duration timeout, int loginConcurrency, long maxSeconds, Path jsonl,
        Path markdown, int stepSessions, Duration stall, WindowProfiler profile) {

    static final String USAGE = """
            usage: LoadGenerator --mode=idle|latency|throughput
              --server=NAME,c2s=PORT,http=PORT,pid=PID[,portico=PORT,portico-pid=PID][,relay=PORT,relay-pid=PID]
                       [,portico-peer=PORT,portico-peer-pid=PID]   (repeatable; the peer: a second cluster node)
              [--targets=portico-bosh,portico-ws,server-bosh,server-ws,c2s,portico-bosh-forwarded,c2s-relay]
              [--sessions=200] [--domain=localhost]
              [--seconds=30] [--warmup-seconds=5] [--settle-seconds=2] [--grace-seconds=5] [--rounds=1]
              [--rate=200] [--start-rate=100] [--rate-factor=2] [--max-rate=6400] [--p99-limit-ms=200]
              [--probe-interval-ms=1000] [--bosh-wait=60] [--timeout-seconds=10] [--login-concurrency=16]
              [--compression=none|browser] (browser: offer permessage-deflate on WebSockets and accept gzip on
                                   BOSH, as browsers do)
              [--request-headers=minimal|browser] (browser: each BOSH request carries Chrome's XHR headers)
              [--http=1.1|2]        (2: each session's BOSH requests go as streams of one HTTP/2 connection, h2c
                                   with prior knowledge, to Portico; the servers' own BOSH stays on HTTP/1.1)
              [--max-seconds=1800] [--clock-ticks=100] [--jsonl=FILE] [--markdown=FILE]
              [--step-sessions=N]   (idle: hold N sessions, then all --sessions, in the same processes)
              [--stall-ms=50]       (latency, throughput: messages slower than this are reported as stalls)
              [--profile=jfr|cpu:LIB] (latency, throughput: profile each Portico for each measured window, beside
                                   --jsonl; cpu: async-profiler's libasyncProfiler.so, kernel stacks included)""";

    static LoadOptions parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> servers = new ArrayList<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --name=value, got '" + arg + "'");
            }
            String key = arg.substring(2, eq);
            if (key.equals("server")) {
                servers.add(arg.substring(eq + 1));
            } else if (values.put(key, arg.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("--" + key + " given twice");
            }
        }
        String mode = take(values, "mode", "latency");
        if (!Set.of("idle", "latency", "throughput").contains(mode)) {
            throw new IllegalArgumentException("--mode must be idle, latency or throughput, got " + mode);
        }
        List<Target.Kind> kinds = new ArrayList<>();
        for (String label : take(values, "targets", "portico-bosh,portico-ws,server-bosh,server-ws,c2s")
                .split(",")) {
            kinds.add(Target.Kind.of(label.trim()));
        }
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("at least one --server is needed");
        }
        List<Target> targets = new ArrayList<>();
        for (String server : servers) {
            targets.addAll(targets(server, kinds));
        }
        int sessions = bounded(values, "sessions", 200, 2, 10_000);
        if (sessions % 2 != 0) {
            throw new IllegalArgumentException("--sessions must be even (pairs), got " + sessions);
        }
        LoadOptions options = new LoadOptions(mode, targets, sessions, take(values, "domain", "localhost"),
                bounded(values, "clock-ticks", 100, 1, 10_000),
                Duration.ofSeconds(bounded(values, "seconds", 30, 1, 3600)),
                Duration.ofSeconds(bounded(values, "warmup-seconds", 5, 0, 600)),
                Duration.ofSeconds(bounded(values, "settle-seconds", 2, 0, 600)),
                Duration.ofSeconds(bounded(values, "grace-seconds", 5, 1, 600)),
                bounded(values, "rounds", 1, 1, 100),
                bounded(values, "rate", 200, 1, 1_000_000),
                bounded(values, "start-rate", 100, 1, 1_000_000),
                Double.parseDouble(take(values, "rate-factor", "2")),
                bounded(values, "max-rate", 6400, 1, 1_000_000),
                bounded(values, "p99-limit-ms", 200, 1, 60_000),
                Duration.ofMillis(bounded(values, "probe-interval-ms", 1000, 10, 60_000)),
                bounded(values, "bosh-wait", 60, 1, 3600),
                new BrowserHabits(browser(values, "compression", "none"),
                        browser(values, "request-headers", "minimal"), http2(take(values, "http", "1.1"))),
                Duration.ofSeconds(bounded(values, "timeout-seconds", 10, 1, 600)),
                bounded(values, "login-concurrency", 16, 1, 1000),
                bounded(values, "max-seconds", 1800, 1, 86_400),
                path(take(values, "jsonl", null)), path(take(values, "markdown", null)),
                bounded(values, "step-sessions", 0, 0, sessions - 2),
                Duration.ofMillis(bounded(values, "stall-ms", 50, 1, 60_000)),
                profile(take(values, "profile", null), mode));
        if (options.stepSessions > 0 && (!mode.equals("idle") || options.stepSessions % 2 != 0)) {
            throw new IllegalArgumentException("--step-sessions is for --mode=idle and must be even (pairs), got "
                    + options.stepSessions);
        }
        if (options.profile != null && options.jsonl == null) {
            throw new IllegalArgumentException("--profile needs --jsonl: the profiles are written beside it");
        }
        if (options.rateFactor <= 1 || options.rateFactor > 10) {
            throw new IllegalArgumentException("--rate-factor must be in (1, 10], got " + options.rateFactor);
        }
        if (!values.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s): " + values.keySet());
        }
        return options;
    }

    /** Whether option {@code name} says {@code browser}; its other value is {@code otherwise}. */
    private static boolean browser(Map<String, String> values, String name, String otherwise) {
        String value = take(values, name, otherwise);
        if (!value.equals("browser") && !value.equals(otherwise)) {
            throw new IllegalArgumentException("--" + name + " must be " + otherwise + " or browser, got " + value);
        }
        return value.equals("browser");
    }

    private static boolean http2(String version) {
        if (!version.equals("1.1") && !version.equals("2")) {
            throw new IllegalArgumentException("--http must be 1.1 or 2, got " + version);
        }
        return version.equals("2");
    }

    private static WindowProfiler profile(String spec, String mode) {
        if (spec == null) {
            return null;
        }
        if (mode.equals("idle")) {
            throw new IllegalArgumentException("--profile is for the message windows: --mode=latency or throughput");
        }
        return WindowProfiler.parse(spec);
    }

    private static List<Target> targets(String spec, List<Target.Kind> kinds) {
        String[] parts = spec.split(",");
        String name = parts[0];
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--server: expected key=value, got '" + parts[i] + "'");
            }
            settings.put(kv[0], kv[1]);
        }
        long serverPid = Long.parseLong(required(settings, "pid", name));
        Target.Watched server = new Target.Watched("server", serverPid);
        List<Target> targets = new ArrayList<>();
        for (Target.Kind kind : kinds) {
            switch (kind) {
                case PORTICO_BOSH, PORTICO_WS -> {
                    if (!settings.containsKey("portico")) {
                        continue;
                    }
                    Target.Watched portico = new Target.Watched("portico",
                            Long.parseLong(required(settings, "portico-pid", name)));
                    String base = "127.0.0.1:" + settings.get("portico");
                    targets.add(new Target(name, kind, kind == Target.Kind.PORTICO_BOSH
                            ? "http://" + base + "/http-bind" : "ws://" + base + "/xmpp-websocket",
                            List.of(portico, server)));
                }
                case PORTICO_BOSH_FORWARDED -> {
                    // created at the owner, every later request at the peer, which forwards it
                    List<Target.Watched> both = List.of(new Target.Watched("portico",
                            Long.parseLong(required(settings, "portico-pid", name))), new Target.Watched("portico",
                            Long.parseLong(required(settings, "portico-peer-pid", name))), server);
                    targets.add(new Target(name, kind, "http://127.0.0.1:" + required(settings, "portico", name)
                            + "/http-bind", "http://127.0.0.1:" + required(settings, "portico-peer", name)
                            + "/http-bind", both));
                }
                case SERVER_BOSH -> targets.add(new Target(name, kind,
                        "http://127.0.0.1:" + required(settings, "http", name) + "/http-bind", List.of(server)));
                case SERVER_WS -> targets.add(new Target(name, kind,
                        "ws://127.0.0.1:" + required(settings, "http", name) + "/xmpp-websocket",
                        List.of(server)));
                case C2S -> targets.add(new Target(name, kind, "127.0.0.1:" + required(settings, "c2s", name),
                        List.of(server)));
                case C2S_RELAY -> targets.add(new Target(name, kind, "127.0.0.1:" + required(settings, "relay", name),
                        List.of(new Target.Watched("relay", Long.parseLong(required(settings, "relay-pid", name))),
                                server)));
            }
        }
        return targets;
    }

    private static String required(Map<String, String> settings, String key, String server) {
        String value = settings.get(key);
        if (value == null) {
            throw new IllegalArgumentException("--server=" + server + " needs " + key + "=...");
        }
        return value;
    }

    private static String take(Map<String, String> values, String key, String fallback) {
        String value = values.remove(key);
        return value == null ? fallback : value;
    }

    private static int bounded(Map<String, String> values, String key, int fallback, int min, int max) {
        String text = take(values, key, null);
        int value;
        try {
            value = text == null ? fallback : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a whole number, got '" + text + "'");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("--" + key + " must be between " + min + " and " + max
                    + ", got " + value);
        }
        return value;
    }

    private static Path path(String text) {
        return text == null ? null : Path.of(text);
    }
}
