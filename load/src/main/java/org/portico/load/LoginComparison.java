package org.portico.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The login figure, the rate through Portico against the server's own c2s rate in the same run, read against
 * the c2s turns on either side of each turn of the idle mode: {@code --targets=c2s,portico-ws,c2s,portico-bosh,c2s}.
 *
 * <p>Why neighbours and not one c2s turn of the round: the same server's c2s logins slow down by a third or more
 * from its first turn after a fresh start to its later ones, and work left over from one turn (a Portico's put-off
 * compilations) slows the next; a single c2s turn first or last in a round then makes the ratio
 * (docs/benchmarks.md, "what the login ratio measures"). The mean of the turns just before and just after a turn
 * has the same age, and the same leftovers, as the turn itself.
 *
 * <p>Pure: reads the rows the generator emitted, in run order, and says nothing of a turn without a c2s turn of its
 * server on both sides, or of steps ({@code --step-sessions}), whose second logins run beside held sessions.
 */
final class LoginComparison {

    private static final String C2S = Target.Kind.C2S.label;

    /** One turn against its neighbours: the login seconds of all three and the ratio of the rates. */
    record Bracketed(String server, String target, double seconds, double before, double after) {

        /** The turn's login rate against the mean rate of its two neighbours, for the same number of logins. */
        double ratio() {
            return (before + after) / 2 / seconds;
        }

        String line() {
            return String.format(Locale.ROOT, "%s/%s %.0f %% (%.2f s against %.2f and %.2f s)", server, target,
                    100 * ratio(), seconds, before, after);
        }
    }

    private LoginComparison() {
    }

    /** Every turn that has a c2s turn of its own server just before and just after it, in run order. */
    static List<Bracketed> of(List<Map<String, Object>> rows) {
        List<Bracketed> bracketed = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> turn = rows.get(i);
            if (!isTurn(turn) || C2S.equals(turn.get("target"))) {
                continue;
            }
            Object server = turn.get("server");
            Map<String, Object> before = neighbour(rows, i, -1, server);
            Map<String, Object> after = neighbour(rows, i, +1, server);
            if (before != null && after != null && C2S.equals(before.get("target"))
                    && C2S.equals(after.get("target"))) {
                bracketed.add(new Bracketed(String.valueOf(server), String.valueOf(turn.get("target")),
                        seconds(turn), seconds(before), seconds(after)));
            }
        }
        return bracketed;
    }

    /** What follows the markdown table: a list with one item per bracketed turn, or nothing. */
    static String report(List<Map<String, Object>> rows) {
        StringBuilder report = new StringBuilder();
        for (Bracketed turn : of(rows)) {
            report.append(report.isEmpty() ? "\n" : "").append("- logins against the c2s turns on either side: ")
                    .append(turn.line()).append('\n');
        }
        return report.toString();
    }

    /** The nearest turn of the same server in {@code direction}, or null; rows of other servers are passed over. */
    private static Map<String, Object> neighbour(List<Map<String, Object>> rows, int from, int direction,
            Object server) {
        for (int i = from + direction; i >= 0 && i < rows.size(); i += direction) {
            Map<String, Object> row = rows.get(i);
            if (server.equals(row.get("server"))) {
                return isTurn(row) ? row : null;
            }
        }
        return null;
    }

    /** An idle turn of one group logged in from nothing, which logged every session in. */
    private static boolean isTurn(Map<String, Object> row) {
        return "idle".equals(row.get("mode")) && !row.containsKey("step") && !row.containsKey("error")
                && row.get("login_seconds") instanceof Number seconds && seconds.doubleValue() > 0;
    }

    private static double seconds(Map<String, Object> row) {
        return ((Number) row.get("login_seconds")).doubleValue();
    }
}
