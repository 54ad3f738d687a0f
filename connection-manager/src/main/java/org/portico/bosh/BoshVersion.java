package org.portico.bosh;

import java.util.Optional;

/**
 * A BOSH protocol version, {@code ver='major.minor'} (XEP-0124 §7.1, R9): "the minor number MAY be incremented
 * higher than a single digit, so it MUST be treated as a separate integer", hence 1.10 &gt; 1.6.
 *
 * <p>Immutable. The creation response advertises the lower of the client's version and {@link #SUPPORTED} (§7.2,
 * R16). A client that sent no {@code ver} at all is a <em>legacy</em> client and gets the deprecated HTTP error
 * codes of §17.1 (R54), see {@link BoshCondition#httpStatus(boolean)}; one that sent a malformed {@code ver} is not
 * legacy, and gets a terminal {@link BoshCondition#BAD_REQUEST}.
 */
public record BoshVersion(int major, int minor) implements Comparable<BoshVersion> {

    /** The highest version Portico implements: XEP-0124 v1.11. */
    public static final BoshVersion SUPPORTED = new BoshVersion(1, 11);

    /** More digits than this could overflow an int; no real version comes close. */
    private static final int MAX_DIGITS = 9;

    public BoshVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("BOSH version numbers are non-negative, got " + major + "." + minor);
        }
    }

    /**
     * Parses {@code major.minor}, two runs of ASCII digits; anything else (a missing minor, a third component, a
     * sign, spaces) is empty, and the caller answers {@link BoshCondition#BAD_REQUEST}.
     */
    public static Optional<BoshVersion> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int dot = text.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        String majorText = text.substring(0, dot);
        String minorText = text.substring(dot + 1);
        if (!isNumber(majorText) || !isNumber(minorText)) {
            return Optional.empty();
        }
        return Optional.of(new BoshVersion(Integer.parseInt(majorText), Integer.parseInt(minorText)));
    }

    private static boolean isNumber(String text) {
        if (text.isEmpty() || text.length() > MAX_DIGITS) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The version to advertise in the creation response: the lower of the two (§7.2, R16). */
    public BoshVersion lowerOf(BoshVersion other) {
        return compareTo(other) <= 0 ? this : other;
    }

    @Override
    public int compareTo(BoshVersion other) {
        int byMajor = Integer.compare(major, other.major);
        return byMajor != 0 ? byMajor : Integer.compare(minor, other.minor);
    }

    /** The attribute value, {@code major.minor}. */
    @Override
    public String toString() {
        return major + "." + minor;
    }
}
