package org.portico.websocket;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * A WebSocket session's resumption token ({@code urn:portico:resume:0}), {@code <session id>.<secret>}: the id is
 * the session's key in the session store and never changes; the secret is replaced on every resumption, so a token
 * works once. Both parts are random and URL-safe; the secret has 144 bits from {@link SecureRandom}, so neither can
 * be guessed, and it is compared in constant time.
 */
record ResumeToken(String sessionId, String secret) {

    /** 144 random bits: a whole number of base64 characters. */
    private static final int RANDOM_BYTES = 18;
    private static final char SEPARATOR = '.';

    static String newSessionId(SecureRandom random) {
        return randomText(random);
    }

    static ResumeToken issue(String sessionId, SecureRandom random) {
        return new ResumeToken(sessionId, randomText(random));
    }

    /** The token a client presented, if it has the token's shape. */
    static Optional<ResumeToken> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int separator = text.indexOf(SEPARATOR);
        if (separator <= 0 || separator == text.length() - 1 || text.indexOf(SEPARATOR, separator + 1) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new ResumeToken(text.substring(0, separator), text.substring(separator + 1)));
    }

    /** Whether a presented token carries this token's secret. */
    boolean matches(ResumeToken presented) {
        return sessionId.equals(presented.sessionId) && MessageDigest.isEqual(
                secret.getBytes(StandardCharsets.US_ASCII), presented.secret.getBytes(StandardCharsets.US_ASCII));
    }

    String text() {
        return sessionId + SEPARATOR + secret;
    }

    private static String randomText(SecureRandom random) {
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public String toString() {
        return "ResumeToken[" + sessionId + ".***]";
    }
}
