package org.portico.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The load run of {@code scripts/bench-load.sh}. Three modes, each over every target, targets interleaved (they take
 * turns, the first one rotating each round or step, so that noise on the machine falls on all alike):
 * <ul>
 * <li>{@code idle}: N sessions logged in and held; resident set and CPU of Portico and of the server per session,
 * and a ping probe;</li>
 * <li>{@code latency}: N sessions in N/2 pairs chat at a fixed total rate; latency from the scheduled send time,
 * loss and duplication, CPU per message;</li>
 * <li>{@code throughput}: the same with the rate stepped up (times {@code --rate-factor}) until p99 exceeds the
 * limit or a message is lost, for each target on its own.</li>
 * </ul>
 * Each target's turn logs its sessions in, measures, and logs them out, so only one target's sessions are live at a
 * time. Results go out as JSON lines (one per target per round or step) and, at the end, as a markdown table.
 * Exit status: 0 when every window completed without loss, duplication or failed session, 1 otherwise, 2 when
 * {@code --max-seconds} ran out.
 */
public final class LoadGenerator {

    /** Thread groups named in each row's CPU by thread (the JSON lines only: too wide for the table). */
    private static final int BUSIEST_THREADS = 8;

    private final LoadOptions options;
    private final List<Target> targets;
    private final PrintStream out;
    private final List<Map<String, Object>> rows = new ArrayList<>();
    private final long started = System.nanoTime();
    private final long self = ProcessHandle.current().pid();
    private long windows;
    private boolean clean = true;

    LoadGenerator(LoadOptions options, PrintStream out) {
        this.options = options;
        this.targets = options.targets();
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("load: " + e.getMessage());
            System.err.println(LoadOptions.USAGE);
            System.exit(64);
            return;
        }
        UncaughtTally uncaught = new UncaughtTally();
        Thread.setDefaultUncaughtExceptionHandler(uncaught);
        LoadGenerator generator = new LoadGenerator(options, System.out);
        int status = generator.run();
        uncaught.report(System.out);
        System.exit(status);
    }

    int run() throws IOException, InterruptedException {
        out.println("# load: mode " + options.mode() + ", " + options.sessions() + " sessions, targets "
                + targets.stream().map(Target::name).toList() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores visible, JVM " + Runtime.version());
        boolean finished = switch (options.mode()) {
            case "idle" -> idle();
            case "latency" -> latency();
            case "throughput" -> throughput();
            default -> throw new IllegalStateException(options.mode());
        };
        String table = Markdown.table(options.mode(), rows) + LoginComparison.report(rows);
        out.println();
        out.print(table);
        if (options.markdown() != null) {
            Files.writeString(options.markdown(), table, StandardCharsets.UTF_8);
        }
        if (!finished) {
            out.println("# stopped: --max-seconds=" + options.maxSeconds() + " ran out");
            return 2;
        }
        return clean ? 0 : 1;
    }

    private boolean timeLeft() {
        return (System.nanoTime() - started) / 1e9 < options.maxSeconds();
    }

    private List<Target> rotated(int turn, List<Target> list) {
        List<Target> order = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            order.add(list.get((i + turn) % list.size()));
        }
        return order;
    }

    private Map<Long, ProcessSample> sample(Target target) {
        Map<Long, ProcessSample> samples = new LinkedHashMap<>();
        for (Target.Watched watched : target.watched()) {
            samples.put(watched.pid(), ProcessSample.of(watched.pid()));
        }
        samples.put(self, ProcessSample.of(self));
        return samples;
    }

    /** CPU per role between two sets of readings, as percent of one core and, when {@code unit} is set, per unit. */
    private void putCpu(Map<String, Object> row, Target target, Map<Long, ProcessSample> before,
            Map<Long, ProcessSample> after, double perUnits, String unit) {
        for (Target.Watched watched : withLoadGenerator(target)) {
            ProcessSample from = before.get(watched.pid());
            ProcessSample to = after.get(watched.pid());
            row.put(watched.role() + "_cpu_percent", round(to.cpuPercentSince(from, options.clockTicks())));
            row.put(watched.role() + "_cpu_percent_by_thread", to.busiestThreadsSince(from, options.clockTicks(),
                    BUSIEST_THREADS));
            if (perUnits > 0) {
                putCpuPer(row, watched, from, to, perUnits, unit);
            }
        }
    }

    private void putCpuPer(Map<String, Object> row, Target.Watched watched, ProcessSample from, ProcessSample to,
            double perUnits, String unit) {
        row.put(watched.role() + "_cpu_us_per_" + unit,
                round(1000 * to.cpuMillisSince(from, options.clockTicks()) / perUnits));
    }

    /**
     * CPU microseconds per login of each role. They share the machine's cores, so what Portico spends on a login
     * decides how close the login rate through it can come to the upstream's own.
     */
    private void putLoginCpu(Map<String, Object> row, Target target, Map<Long, ProcessSample> before,
            Map<Long, ProcessSample> after, int logins) {
        for (Target.Watched watched : withLoadGenerator(target)) {
            putCpuPer(row, watched, before.get(watched.pid()), after.get(watched.pid()), logins, "login");
        }
    }

    private List<Target.Watched> withLoadGenerator(Target target) {
        List<Target.Watched> all = new ArrayList<>(target.watched());
        all.add(new Target.Watched("loadgen", self));
        return all;
    }

    private Map<String, Object> row(Target target, String mode) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("time", Instant.now().toString());
        row.put("mode", mode);
        row.put("server", target.server());
        row.put("target", target.kind().label);
        row.put("sessions", options.sessions());
        return row;
    }

    private boolean idle() throws IOException, InterruptedException {
        for (int round = 0; round < options.rounds(); round++) {
            for (Target target : rotated(round, targets)) {
                if (!timeLeft()) {
                    return false;
                }
                if (options.stepSessions() > 0) {
                    idleInSteps(target, round);
                    continue;
                }
                Map<String, Object> row = row(target, "idle");
                row.put("round", round + 1);
                Map<Long, ProcessSample> beforeLogin = sample(target);
                try (SessionGroup group = loginOrReport(target, options.sessions(), 0, row)) {
                    if (group != null) {
                        hold(target, group, row, beforeLogin);
                        emit(row);
                    }
                }
            }
        }
        return true;
    }

    /**
     * Idle in two steps, in the same processes: {@code --step-sessions} logged in and held, then the rest up to
     * {@code --sessions} logged in beside them and all held again. The second row's
     * {@code <role>_rss_kib_slope_per_session} compares the resident set at the end of the two holds of one process,
     * where two separate runs compare two heaps that the collector sized apart during their login bursts
     * (docs/benchmarks.md).
     */
    private void idleInSteps(Target target, int round) throws IOException, InterruptedException {
        int first = options.stepSessions();
        int more = options.sessions() - first;
        Map<String, Object> firstRow = row(target, "idle");
        firstRow.put("sessions", first);
        firstRow.put("round", round + 1);
        firstRow.put("step", 1);
        Map<Long, ProcessSample> beforeFirst = sample(target);
        try (SessionGroup firstGroup = loginOrReport(target, first, 0, firstRow)) {
            if (firstGroup == null) {
                return;
            }
            Map<Long, ProcessSample> firstEnd = hold(target, firstGroup, firstRow, beforeFirst);
            emit(firstRow);
            Map<String, Object> secondRow = row(target, "idle");
            secondRow.put("round", round + 1);
            secondRow.put("step", 2);
            Map<Long, ProcessSample> beforeSecond = sample(target);
            try (SessionGroup secondGroup = loginOrReport(target, more, first, secondRow)) {
                if (secondGroup == null) {
                    return;
                }
                Map<Long, ProcessSample> secondEnd = hold(target, secondGroup, secondRow, beforeSecond);
                for (Target.Watched watched : target.watched()) {
                    long grown = secondEnd.get(watched.pid()).rssKib() - firstEnd.get(watched.pid()).rssKib();
                    secondRow.put(watched.role() + "_rss_kib_slope_per_session", round((double) grown / more));
                }
                emit(secondRow);
            }
        }
    }

    /**
     * Settles and holds a freshly logged-in group, and puts into {@code row} what the login and the hold cost: CPU
     * per login, resident set (at the end of the hold, and its growth from before the login to the start of the
     * hold per session logged in), CPU during the hold, and the ping probe's answers.
     *
     * @return the readings at the end of the hold
     */
    private Map<Long, ProcessSample> hold(Target target, SessionGroup group, Map<String, Object> row,
            Map<Long, ProcessSample> beforeLogin) throws InterruptedException {
        putLoginCpu(row, target, beforeLogin, sample(target), group.size());
        Thread.sleep(options.settle().toMillis());
        Map<Long, ProcessSample> holdStart = sample(target);
        IdleHold.Outcome outcome = new IdleHold(group, options.domain()).run(options.duration(),
                options.probeInterval(), options.grace());
        Map<Long, ProcessSample> holdEnd = sample(target);
        for (Target.Watched watched : target.watched()) {
            long delta = holdStart.get(watched.pid()).rssKib() - beforeLogin.get(watched.pid()).rssKib();
            row.put(watched.role() + "_rss_kib", holdEnd.get(watched.pid()).rssKib());
            row.put(watched.role() + "_rss_kib_per_session", round((double) delta / group.size()));
        }
        putCpu(row, target, holdStart, holdEnd, 0, "");
        row.put("hold_seconds", options.duration().toSeconds());
        row.put("pings", outcome.pings());
        row.put("pings_answered", outcome.answered());
        row.put("ping_p50_ms", round(outcome.pingRoundTrip().millis(50)));
        row.put("ping_max_ms", round(outcome.pingRoundTrip().millis(100)));
        row.put("failed_sessions", outcome.failures().size());
        if (outcome.answered() < outcome.pings() || !outcome.failures().isEmpty()) {
            clean = false;
            row.put("error", outcome.failures().isEmpty() ? "unanswered pings" : outcome.failures().get(0));
        }
        return holdEnd;
    }

    /** Logs in {@code sessions} sessions as the users after the first {@code skipped}; null when that failed. */
    private SessionGroup loginOrReport(Target target, int sessions, int skipped, Map<String, Object> row)
            throws IOException, InterruptedException {
        try {
            SessionGroup group = SessionGroup.login(target, sessions, skipped, options.domain(),
                    options.loginConcurrency(), options.boshWait(), options.habits(), options.timeout());
            row.put("login_seconds", round(group.loginSeconds()));
            if (options.habits().compression()) {
                row.put("compressed_sessions", group.compressedSessions());
            }
            return group;
        } catch (IOException e) {
            clean = false;
            row.put("error", "login: " + e.getMessage());
            emit(row);
            return null;
        }
    }

    /** One message window on a freshly logged-in group; null when the login failed (reported). */
    private Map<String, Object> window(Target target, String mode, double rate) throws IOException,
            InterruptedException {
        Map<String, Object> row = row(target, mode);
        row.put("rate", rate);
        try (SessionGroup group = loginOrReport(target, options.sessions(), 0, row)) {
            if (group == null) {
                return null;
            }
            List<Map<Long, ProcessSample>> readings = new ArrayList<>();
            long window = ++windows;
            MessageWindow.Outcome outcome = new MessageWindow(group, window, options.stall()).run(rate,
                    options.warmup(), options.duration(), options.grace(), () -> {
                        if (options.profile() != null) {
                            options.profile().startWindow(target, row);
                        }
                        readings.add(sample(target));
                    }, () -> {
                        readings.add(sample(target));
                        if (options.profile() != null) {
                            options.profile().stopWindow(target, window, options.jsonl(), row);
                        }
                    });
            Percentiles latency = outcome.latency();
            row.put("seconds", outcome.measuredSeconds());
            row.put("sent", outcome.sent());
            row.put("received", outcome.received());
            row.put("lost", outcome.lost());
            row.put("duplicated", outcome.duplicated());
            row.put("stray", outcome.stray());
            row.put("send_errors", outcome.sendErrors());
            row.put("failed_sessions", outcome.failures().size());
            row.put("measured", latency.count());
            row.put("p50_ms", round(latency.millis(50)));
            row.put("p90_ms", round(latency.millis(90)));
            row.put("p99_ms", round(latency.millis(99)));
            row.put("max_ms", round(latency.millis(100)));
            row.put("stalls", String.join("; ", outcome.stalls()));
            putCpu(row, target, readings.get(0), readings.get(1), latency.count(), "msg");
            if (outcome.lost() != 0 || outcome.duplicated() != 0 || outcome.stray() != 0 || outcome.sendErrors() != 0
                    || !outcome.failures().isEmpty()) {
                row.put("error", outcome.failures().isEmpty() ? "lost, duplicated or stray messages"
                        : outcome.failures().get(0));
            }
            return row;
        }
    }

    private boolean latency() throws IOException, InterruptedException {
        for (int round = 0; round < options.rounds(); round++) {
            for (Target target : rotated(round, targets)) {
                if (!timeLeft()) {
                    return false;
                }
                Map<String, Object> row = window(target, "latency", options.rate());
                if (row != null) {
                    row.put("round", round + 1);
                    if (row.containsKey("error")) {
                        clean = false;
                    }
                    emit(row);
                }
            }
        }
        return true;
    }

    private boolean throughput() throws IOException, InterruptedException {
        Set<Target> active = new LinkedHashSet<>(targets);
        int step = 0;
        for (double rate = options.startRate(); rate <= options.maxRate() && !active.isEmpty();
                rate *= options.rateFactor(), step++) {
            for (Target target : rotated(step, new ArrayList<>(active))) {
                if (!timeLeft()) {
                    return false;
                }
                Map<String, Object> row = window(target, "throughput", rate);
                if (row == null) {
                    active.remove(target);
                    continue;
                }
                row.put("step", step + 1);
                double p99 = (double) row.get("p99_ms");
                boolean passed = !row.containsKey("error") && p99 <= options.p99LimitMs();
                row.put("passed", passed);
                if (!passed) {
                    active.remove(target);
                    row.putIfAbsent("error", "p99 " + p99 + " ms > " + options.p99LimitMs() + " ms");
                }
                emit(row);
            }
        }
        return true;
    }

    private void emit(Map<String, Object> row) throws IOException {
        rows.add(row);
        String line = Json.object(row);
        out.println(line);
        out.flush();
        if (options.jsonl() != null) {
            Files.writeString(options.jsonl(), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    static double round(double value) {
        return Double.isNaN(value) ? Double.NaN : Math.round(value * 1000) / 1000.0;
    }

    /** The few JSON values a result row holds: strings, numbers, booleans. */
    static final class Json {
        private Json() {
        }

        static String object(Map<String, Object> row) {
            StringBuilder json = new StringBuilder("{");
            for (Map.Entry<String, Object> entry : row.entrySet()) {
                if (json.length() > 1) {
                    json.append(',');
                }
                json.append(string(entry.getKey())).append(':');
                Object value = entry.getValue();
                if (value instanceof Double d && (d.isNaN() || d.isInfinite())) {
                    json.append("null");
                } else if (value instanceof Number || value instanceof Boolean) {
                    json.append(value);
                } else {
                    json.append(string(String.valueOf(value)));
                }
            }
            return json.append('}').toString();
        }

        static String string(String text) {
            StringBuilder quoted = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '"' -> quoted.append("\\\"");
                    case '\\' -> quoted.append("\\\\");
                    default -> {
                        if (c < 0x20) {
                            quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            quoted.append(c);
                        }
                    }
                }
            }
            return quoted.append('"').toString();
        }
    }
}
