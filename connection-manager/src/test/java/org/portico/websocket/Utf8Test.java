package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The byte counters count a message's UTF-8 octets (RFC 6455 §5.6: text frames carry UTF-8), as Java encodes them. */
class Utf8Test {

    @ParameterizedTest
    @ValueSource(strings = {"", "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", "héllo", "日本語", "emoji 😀 two",
        "mixed é 日 😀 a"})
    void theLengthIsThatOfTheUtf8Encoding(String text) {
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, Utf8.length(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uD800", "a\uDC00b", "\uD83D"})
    void anUnpairedSurrogateCountsAsTheOneReplacementOctetJavaWrites(String text) {
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, Utf8.length(text));
    }
}
