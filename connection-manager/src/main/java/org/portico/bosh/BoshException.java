package org.portico.bosh;

/**
 * A request that ends in a terminal binding condition (XEP-0124 §17.2); carries the condition to answer with. Its
 * detail usually quotes the client's own text and ends up in a log line, so it is kept {@link #printable}.
 */
public final class BoshException extends Exception {

    /** Longest detail kept for a log line. */
    static final int MAX_DETAIL = 200;

    private final BoshCondition condition;

    public BoshException(BoshCondition condition, String detail) {
        super(printable(detail));
        this.condition = condition;
    }

    public BoshCondition condition() {
        return condition;
    }

    /**
     * Text from an untrusted peer as it may appear inside one log line: control characters and Unicode line and
     * paragraph separators become {@code \}{@code uXXXX}, and the text is cut at {@link #MAX_DETAIL} characters, so a
     * hostile value can neither forge log lines (a rid of {@code 1&#10;INFO …}) nor flood the log.
     */
    static String printable(String untrusted) {
        if (untrusted == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(untrusted.length(), MAX_DETAIL) + 8);
        int i = 0;
        for (; i < untrusted.length() && out.length() < MAX_DETAIL; i++) {
            char c = untrusted.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (i < untrusted.length()) {
            out.append('…');
        }
        return out.toString();
    }
}
