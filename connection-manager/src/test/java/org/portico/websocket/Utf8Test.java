package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The byte counters count a message's UTF-8 octets (RFC 6455 §5.6: text frames carry UTF-8), as Java encodes them;
 * a client's text message is used only when it is well-formed UTF-8 (RFC 6455 §8.1, RFC 3629 §4).
 */
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

    @ParameterizedTest
    @ValueSource(strings = {"", "<a/>", "héllo", "日本語", "emoji 😀", "\u0080\u07FF\u0800\uFFFF\uDBFF\uDFFF"})
    void whatJavaEncodesIsWellFormed(String text) {
        assertTrue(Utf8.wellFormed(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** RFC 3629 §4's grammar, §10's overlong forms, and the surrogates and the ceiling of §3. */
    @ParameterizedTest
    @ValueSource(strings = {
        "80", // a continuation octet first
        "C0AF", "C1BF", // overlong two-octet forms
        "E08080", "E09FBF", // overlong three-octet forms
        "F08FBFBF", // an overlong four-octet form
        "EDA080", "EDBFBF", // surrogates U+D800 and U+DFFF
        "F4908080", "F5808080", "FF", // above U+10FFFF, and octets UTF-8 never uses
        "C3", "E697", "F09F98", // sequences cut short at the end
        "C328", "E62872", "F09F2880" // a sequence broken by an ASCII octet
    })
    void malformedSequencesAreNotWellFormed(String hex) {
        assertFalse(Utf8.wellFormed(HexFormat.of().parseHex(hex)), hex);
    }

    @Test
    void randomOctetsAreJudgedAsTheJdksStrictDecoderJudgesThem() {
        Random random = new Random(6455);
        for (int i = 0; i < 20_000; i++) {
            byte[] octets = new byte[random.nextInt(12)];
            for (int k = 0; k < octets.length; k++) {
                // mostly the octets where the rules are: lead octets, continuations, a little ASCII
                octets[k] = (byte) (random.nextInt(4) == 0 ? random.nextInt(0x80) : 0x80 + random.nextInt(0x80));
            }
            assertEquals(strictlyDecodes(octets), Utf8.wellFormed(octets), HexFormat.of().formatHex(octets));
        }
    }

    private static boolean strictlyDecodes(byte[] octets) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(octets));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
