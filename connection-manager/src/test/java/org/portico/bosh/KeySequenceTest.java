package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link KeySequence} against key chains built here with {@link MessageDigest}, the way §15.2 tells clients to:
 * K(1) = hex(SHA-1(seed)), K(i) = hex(SHA-1(K(i−1))). A and B are two chains of 5 keys; the creation request
 * sends newkey=A5 and the following requests A4, A3, A2, A1, then a switch to B.
 *
 * <p>Each script is the creation {@code newkey}, then requests {@code key/newkey -> VERDICT}, with {@code -} for an
 * absent attribute, {@code A4^} for A4 in upper case and {@code X} for a key from no chain.
 */
class KeySequenceTest {

    private static final List<String> A = chain("portico seed A", 5);
    private static final List<String> B = chain("portico seed B", 5);

    static Stream<Arguments> scripts() {
        return Stream.of(
                Arguments.of("each key hashes to the previous one (§15.3, R48)",
                        "A5", "A4/- -> ACCEPTED; A3/- -> ACCEPTED; A2/- -> ACCEPTED; A1/- -> ACCEPTED"),
                Arguments.of("the spec's own example keys chain (§15.3)",
                        "ca393b51b682f61f98e7877d61146407f3d0a770",
                        "bfb06a6f113cd6fd3838ab9d300fdb4fe3da2f7d/- -> ACCEPTED;"
                                + " 6f825e81f4532b2c5fa2d12457d8a1f22e8f838e/113f58a37245ec9637266cf2fb6e48bfeaf7964e"
                                + " -> ACCEPTED"),
                Arguments.of("hex comparison ignores case (§15.2, R48)",
                        "A5^", "A4/- -> ACCEPTED; A3/- -> ACCEPTED"),
                Arguments.of("a key that does not hash to the previous one is refused (§15.3, R48)",
                        "A5", "X/- -> WRONG_KEY"),
                Arguments.of("a missing key once keys are in use is refused (§15.3, R48)",
                        "A5", "A4/- -> ACCEPTED; -/- -> MISSING_KEY"),
                Arguments.of("replaying the last key is refused (§15.3, R48)",
                        "A5", "A4/- -> ACCEPTED; A4/- -> WRONG_KEY"),
                Arguments.of("skipping a key is refused (§15.3, R48)",
                        "A5", "A3/- -> WRONG_KEY"),
                Arguments.of("a refused key leaves the sequence where it was (§15.3)",
                        "A5", "A3/- -> WRONG_KEY; -/- -> MISSING_KEY; A4/- -> ACCEPTED"),
                Arguments.of("K(1) with a new newkey switches to the new sequence (§15.5, R49)",
                        "A5", "A4/- -> ACCEPTED; A3/- -> ACCEPTED; A2/- -> ACCEPTED; A1/B5 -> ACCEPTED;"
                                + " B4/- -> ACCEPTED; B3/- -> ACCEPTED"),
                Arguments.of("after a switch the old sequence is refused (§15.5, R49)",
                        "A5", "A4/B5 -> ACCEPTED; A3/- -> WRONG_KEY; B4/- -> ACCEPTED"),
                Arguments.of("a newkey alone does not switch: the key must still be right (§15.5)",
                        "A5", "X/B5 -> WRONG_KEY; -/B5 -> MISSING_KEY; B4/- -> WRONG_KEY; A4/- -> ACCEPTED"),
                Arguments.of("a session created without newkey never checks keys (§15.1, §15.3, R47)",
                        "-", "-/- -> ACCEPTED; X/- -> ACCEPTED; A4/B5 -> ACCEPTED; -/- -> ACCEPTED"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void keysAreVerifiedAlongTheSequence(String behaviour, String newkey, String script) {
        KeySequence keys = KeySequence.start(key(newkey));
        assertEquals(!newkey.equals("-"), keys.inUse());
        for (String rawStep : script.split(";")) {
            String[] step = rawStep.trim().split("\\s*->\\s*");
            String[] attributes = step[0].split("/");
            assertEquals(KeySequence.Result.valueOf(step[1]), keys.verify(key(attributes[0]), key(attributes[1])),
                    "step '" + rawStep.trim() + "' of: " + behaviour + " with " + keys);
        }
    }

    private static String key(String token) {
        if (token.equals("-")) {
            return null;
        }
        if (token.equals("X")) {
            return "0123456789abcdef0123456789abcdef01234567";
        }
        if (token.endsWith("^")) {
            return key(token.substring(0, token.length() - 1)).toUpperCase(Locale.ROOT);
        }
        if (token.length() == 2) {
            List<String> chain = token.charAt(0) == 'A' ? A : B;
            return chain.get(token.charAt(1) - '1');
        }
        return token;
    }

    /** K(1)..K(n) by the recipe of §15.2, independent of the class under test. */
    private static List<String> chain(String seed, int n) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            List<String> keys = new ArrayList<>();
            String previous = seed;
            for (int i = 0; i < n; i++) {
                previous = HexFormat.of().formatHex(sha1.digest(previous.getBytes(StandardCharsets.UTF_8)));
                keys.add(previous);
            }
            return keys;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
