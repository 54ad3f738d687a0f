package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * The resumption decision of {@code urn:portico:resume:0} ({@code docs/websocket-resume.md}, R91): which token and
 * count continue a session, what the resumed client is told and replayed, and that a token works once.
 */
class ResumptionTest {

    private static final String ORIGIN = RecordingConnection.ORIGIN;
    private final SecureRandom random = new SecureRandom();

    /** Five elements framed, the buffer keeps the last three (3, 4, 5); two elements received from the client. */
    private Resumption framedFive() {
        Resumption resumption = new Resumption("s1", ORIGIN, true, 3, 1024 * 1024, random);
        for (int i = 1; i <= 5; i++) {
            resumption.framed(message("m" + i), "<message id='m" + i + "'/>");
        }
        resumption.receivedFromClient();
        resumption.receivedFromClient();
        return resumption;
    }

    private static XmlElement message(String id) {
        return XmlElement.of(Namespaces.JABBER_CLIENT, "message").withAttribute("id", id);
    }

    private static ResumeToken tokenOf(Resumption resumption) {
        return ResumeToken.parse(resumption.tokenAttribute().get(FramingCodec.RESUME_TOKEN)).orElseThrow();
    }

    private static ResumeToken presented(ResumeToken current, String which) {
        return switch (which) {
            case "current" -> current;
            case "wrong-secret" -> new ResumeToken(current.sessionId(), "guessed");
            case "other-session" -> new ResumeToken("s2", current.secret());
            default -> throw new IllegalArgumentException(which);
        };
    }

    @ParameterizedTest(name = "token {0}, h={1} -> {2} {3}")
    @CsvSource(nullValues = "null", value = {
            "current,       5,    Resumed,        ''",
            "current,       4,    Resumed,        m5",
            "current,       2,    Resumed,        m3 m4 m5",
            "current,       1,    Unreplayable,   ''",
            "current,       0,    Unreplayable,   ''",
            "current,       6,    Unreplayable,   ''",
            "current,       -1,   Unreplayable,   ''",
            "current,       x,    Unreplayable,   ''",
            "current,       null, Unreplayable,   ''",
            "wrong-secret,  5,    NotThisSession, ''",
            "other-session, 5,    NotThisSession, ''"})
    void aTokenAndACountLeadToOneDecision(String token, String h, String decision, String replayed) {
        Resumption resumption = framedFive();

        Resumption.Decision result = resumption.resume(presented(tokenOf(resumption), token), h, ORIGIN);

        assertEquals(decision, result.getClass().getSimpleName());
        if (result instanceof Resumption.Resumed resumed) {
            List<String> expected = replayed.isEmpty() ? List.of()
                    : Arrays.stream(replayed.split(" ")).map(id -> "<message id='" + id + "'/>").toList();
            assertEquals(expected, resumed.missed(), "exactly what followed the client's count, in order");
        }
    }

    @Test
    void aResumedClientIsToldWhatPorticoReceivedAndGetsANewToken() {
        Resumption resumption = framedFive();
        ResumeToken before = tokenOf(resumption);

        Resumption.Resumed resumed =
                assertInstanceOf(Resumption.Resumed.class, resumption.resume(before, "5", ORIGIN));

        Map<QName, String> attributes = resumed.openAttributes();
        assertEquals("true", attributes.get(FramingCodec.RESUME_RESUMED));
        assertEquals("2", attributes.get(FramingCodec.RESUME_H), "the client resends after its second element");
        assertNotEquals(before.text(), attributes.get(FramingCodec.RESUME_TOKEN), "the token rotates");
        assertEquals(attributes.get(FramingCodec.RESUME_TOKEN), tokenOf(resumption).text());
    }

    @Test
    void aTokenWorksOnce() {
        Resumption resumption = framedFive();
        ResumeToken first = tokenOf(resumption);
        assertInstanceOf(Resumption.Resumed.class, resumption.resume(first, "5", ORIGIN));

        assertInstanceOf(Resumption.NotThisSession.class, resumption.resume(first, "5", ORIGIN));
    }

    /**
     * docs/websocket-resume.md "Tokens", issue 12 security review: the current token, from any origin but the one
     * that opened the session, resumes nothing, and leaves the token valid for its own page.
     */
    @ParameterizedTest(name = "presented from {0}")
    @CsvSource(nullValues = "null", value = {"https://evil.example", "http://chat.example", "https://chat.example:8443",
            "null"})
    void aTokenWorksOnlyFromTheOriginThatOpenedTheSession(String otherOrigin) {
        Resumption resumption = framedFive();
        ResumeToken token = tokenOf(resumption);

        assertInstanceOf(Resumption.NotThisSession.class, resumption.resume(token, "5", otherOrigin));

        assertInstanceOf(Resumption.Resumed.class, resumption.resume(token, "5", "HTTPS://Chat.Example"),
                "the page's own origin still resumes (scheme and host compared without case)");
    }

    @Test
    void aSessionOpenedWithoutOriginIsResumedOnlyWithoutOrigin() {
        Resumption resumption = new Resumption("s1", null, true, 3, 1024 * 1024, random);
        ResumeToken token = tokenOf(resumption);

        assertInstanceOf(Resumption.NotThisSession.class, resumption.resume(token, "0", ORIGIN), "a browser page");
        assertInstanceOf(Resumption.Resumed.class, resumption.resume(token, "0", null), "the same kind of client");
    }

    @Test
    void withResumptionOffNoTokenIsOfferedAndNoneResumes() {
        Resumption off = new Resumption("s1", ORIGIN, false, 3, 1024 * 1024, random);

        assertTrue(off.tokenAttribute().isEmpty());
        assertInstanceOf(Resumption.NotThisSession.class,
                off.resume(new ResumeToken("s1", "anything"), "0", ORIGIN));
    }

    @Test
    void whatIsFramedWhilePausedIsUnsentUntilAClientResumes_XEP0206_7() {
        Resumption resumption = framedFive();
        resumption.paused();
        resumption.framed(message("m6"), "<message id='m6'/>");

        assertEquals(List.of("m6"), resumption.unsent().stream().map(m -> m.attribute("id").orElseThrow()).toList());
        resumption.resume(tokenOf(resumption), "6", ORIGIN);
        assertEquals(List.of(), resumption.unsent(), "resumed: the buffer slides again");
    }

    @Test
    void aPausedSessionWhoseBufferIsFullRefusesMore() {
        Resumption resumption = framedFive();
        resumption.paused();

        assertTrue(resumption.framed(message("m6"), "<message id='m6'/>"));
        assertTrue(resumption.framed(message("m7"), "<message id='m7'/>"));
        assertTrue(resumption.framed(message("m8"), "<message id='m8'/>"));
        assertFalse(resumption.framed(message("m9"), "<message id='m9'/>"), "the session must end");
    }
}
