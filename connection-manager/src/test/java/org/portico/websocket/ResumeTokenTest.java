package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Base64;
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
