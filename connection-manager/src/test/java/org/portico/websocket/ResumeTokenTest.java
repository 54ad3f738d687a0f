package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Resume tokens: unguessable, rotating, checked in constant time. */
class ResumeTokenTest {

    private final SecureRandom random = new SecureRandom();

    @Test
    void aTokenHasAtLeast128RandomBitsOfSecret() {
        ResumeToken token = ResumeToken.issue(ResumeToken.newSessionId(random), random);

        assertTrue(Base64.getUrlDecoder().decode(token.secret()).length * 8 >= 128);
        assertEquals(token, ResumeToken.parse(token.text()).orElseThrow());
    }

    /** Issue 12 security review: both parts are 144 bits, every bit a fair coin, none ever repeats. */
    @Test
    void idsAndSecretsAre144UnbiasedBitsThatNeverRepeat() {
        int samples = 2000;
        int[] ones = new int[288];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < samples; i++) {
            ResumeToken token = ResumeToken.issue(ResumeToken.newSessionId(random), random);
            byte[] id = Base64.getUrlDecoder().decode(token.sessionId());
            byte[] secret = Base64.getUrlDecoder().decode(token.secret());
            assertEquals(18, id.length);
            assertEquals(18, secret.length);
            assertTrue(seen.add(token.sessionId()) && seen.add(token.secret()), "a value came twice");
            for (int bit = 0; bit < 144; bit++) {
                ones[bit] += id[bit / 8] >> (bit % 8) & 1;
                ones[144 + bit] += secret[bit / 8] >> (bit % 8) & 1;
            }
        }
        for (int bit = 0; bit < ones.length; bit++) {
            assertTrue(ones[bit] > samples * 0.4 && ones[bit] < samples * 0.6, "bit " + bit + ": " + ones[bit]);
        }
    }

    @Test
    void aReissuedTokenKeepsTheSessionButNotTheSecret() {
        String id = ResumeToken.newSessionId(random);
        ResumeToken first = ResumeToken.issue(id, random);
        ResumeToken second = ResumeToken.issue(id, random);

        assertEquals(first.sessionId(), second.sessionId());
        assertNotEquals(first.secret(), second.secret());
        assertFalse(second.matches(first), "the previous token no longer works");
        assertTrue(second.matches(ResumeToken.parse(second.text()).orElseThrow()));
    }

    @Test
    void aTokenOfAnotherSessionDoesNotMatch() {
        ResumeToken mine = new ResumeToken("a", "secret");

        assertFalse(mine.matches(new ResumeToken("b", "secret")));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "nodot", ".secret", "id.", "a.b.c"})
    void malformedTokensAreRefused(String text) {
        assertTrue(ResumeToken.parse(text).isEmpty());
    }
}
