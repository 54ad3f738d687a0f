package org.portico.bosh;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Key sequencing, XEP-0124 §15 (R47–R49): each request's {@code key} hashes (hex SHA-1) to the previous request's
 * {@code newkey}, or to its {@code key} when it set no {@code newkey}; compared case-insensitively (§15.3).
 *
 * <p>Pure: it holds only the value the next key must hash to. Mutable, owned by the lock of the BOSH session it
 * belongs to. A session whose creation request carried no {@code newkey} never uses keys, and every later request
 * is accepted whatever it carries.
 *
 * <p>Keys chain in rid order, so the session verifies a request when it <em>processes</em> it, in rid order
 * ({@link RidWindow.Kind#PROCESS} and each rid from {@link RidWindow#nextDeferredReady()}), never on arrival of
 * an out-of-order request and never for a repeated rid: a resent request carries the key it carried the first time,
 * which no longer hashes to the current value. Checking a repeat against the key its rid first carried would prove
 * nothing either: the attacker §15.1 guards against can read every request, so can copy that key.
 */
public final class KeySequence {

    /** The outcome of one check; both failures are a terminal {@link BoshCondition#ITEM_NOT_FOUND} (§15.4, R48). */
    public enum Result {
        ACCEPTED,
        /** Keys are in use but the request has no {@code key}. */
        MISSING_KEY,
        /** hex(SHA-1(key)) is not the previous {@code newkey}/{@code key}. */
        WRONG_KEY;

        public boolean accepted() {
            return this == ACCEPTED;
        }
    }

    /** The value the next key must hash to, lower-case; null when the session does not use keys. */
    private String expected;

    private KeySequence(String expected) {
        this.expected = expected;
    }

    /** For the session creation request: its {@code newkey} (null when absent, and keys are never used). */
    public static KeySequence start(String newkey) {
        return new KeySequence(newkey == null ? null : newkey.toLowerCase(Locale.ROOT));
    }

    public boolean inUse() {
        return expected != null;
    }

    /**
     * Checks a request's {@code key} and {@code newkey} (each null when absent) and, when accepted, moves on: a
     * {@code newkey} starts a new sequence, which is also how a client that reached K(1) switches (§15.5, R49).
     * A refused request leaves the sequence as it was; the caller must not process it and ends the session.
     */
    public Result verify(String key, String newkey) {
        if (expected == null) {
            return Result.ACCEPTED;
        }
        if (key == null) {
            return Result.MISSING_KEY;
        }
        if (!sha1Hex(key).equals(expected)) {
            return Result.WRONG_KEY;
        }
        expected = (newkey != null ? newkey : key).toLowerCase(Locale.ROOT);
        return Result.ACCEPTED;
    }

    /** hex(SHA-1(text)) in lower case; the key is hashed exactly as the client sent it (§15.2). */
    static String sha1Hex(String text) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return HexFormat.of().formatHex(sha1.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-1", e);
        }
    }

    /** Shows only a prefix of the expected value: enough to follow a log, not a key to paste. */
    @Override
    public String toString() {
        return expected == null ? "KeySequence[unused]" : "KeySequence[next hashes to " + expected.substring(0,
                Math.min(8, expected.length())) + "…]";
    }
}
