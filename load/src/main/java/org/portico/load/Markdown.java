package org.portico.load;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The result rows of one mode as a markdown table, one row per target and round or step, in run order. */
final class Markdown {

    private Markdown() {
    }

    private static final Map<String, List<String[]>> COLUMNS = Map.of(
            "idle", List.of(
                    col("server", "server"), col("target", "target"), col("sessions", "sessions"),
                    col("step", "step"), col("login s", "login_seconds"),
                    col("Portico µs/login", "portico_cpu_us_per_login"),
                    col("server µs/login", "server_cpu_us_per_login"),
                    col("loadgen µs/login", "loadgen_cpu_us_per_login"),
                    col("Portico RSS KiB/session", "portico_rss_kib_per_session"),
                    col("server RSS KiB/session", "server_rss_kib_per_session"),
                    col("Portico RSS KiB", "portico_rss_kib"), col("server RSS KiB", "server_rss_kib"),
                    col("Portico RSS slope KiB/session", "portico_rss_kib_slope_per_session"),
                    col("Portico CPU %", "portico_cpu_percent"), col("server CPU %", "server_cpu_percent"),
                    col("loadgen CPU %", "loadgen_cpu_percent"),
                    col("pings answered", "pings_answered"), col("ping p50 ms", "ping_p50_ms"),
                    col("ping max ms", "ping_max_ms"), col("error", "error")),
            "latency", List.of(
                    col("server", "server"), col("target", "target"), col("round", "round"),
                    col("rate/s", "rate"), col("measured", "measured"), col("lost", "lost"),
                    col("dup", "duplicated"), col("p50 ms", "p50_ms"), col("p90 ms", "p90_ms"),
                    col("p99 ms", "p99_ms"), col("max ms", "max_ms"),
                    col("Portico CPU %", "portico_cpu_percent"), col("server CPU %", "server_cpu_percent"),
                    col("Portico µs/msg", "portico_cpu_us_per_msg"), col("relay µs/msg", "relay_cpu_us_per_msg"),
                    col("server µs/msg", "server_cpu_us_per_msg"), col("loadgen µs/msg", "loadgen_cpu_us_per_msg"),
                    col("error", "error")),
            "throughput", List.of(
                    col("server", "server"), col("target", "target"), col("step", "step"),
                    col("rate/s", "rate"), col("measured", "measured"), col("lost", "lost"),
                    col("dup", "duplicated"), col("p50 ms", "p50_ms"), col("p99 ms", "p99_ms"),
                    col("Portico CPU %", "portico_cpu_percent"), col("relay CPU %", "relay_cpu_percent"),
                    col("server CPU %", "server_cpu_percent"), col("loadgen CPU %", "loadgen_cpu_percent"),
                    col("passed", "passed"), col("error", "error")));

    private static String[] col(String title, String key) {
        return new String[] {title, key};
    }

    static String table(String mode, List<Map<String, Object>> rows) {
        List<String[]> columns = COLUMNS.get(mode);
        StringBuilder table = new StringBuilder("|");
        StringBuilder rule = new StringBuilder("|");
        for (String[] column : columns) {
            table.append(' ').append(column[0]).append(" |");
            rule.append("---|");
        }
        table.append('\n').append(rule).append('\n');
        for (Map<String, Object> row : rows) {
            table.append('|');
            for (String[] column : columns) {
                table.append(' ').append(cell(row.get(column[1]))).append(" |");
            }
            table.append('\n');
        }
        return table.toString();
    }

    private static String cell(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Double d) {
            if (d.isNaN()) {
                return "–";
            }
            return d == Math.rint(d) && Math.abs(d) < 1e12 ? Long.toString(d.longValue())
                    : String.format(Locale.ROOT, "%.2f", d);
        }
        String text = String.valueOf(value).replace("|", "\\|").replace("\n", " ");
        return text.length() > 80 ? text.substring(0, 77) + "..." : text;
    }
}
