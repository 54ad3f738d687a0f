package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fuzzing the XEP-0252 decoder and encoder with Jazzer. Decoding any query gives a request or an
 * {@link IllegalArgumentException} (answered {@code bad-request}), never another exception; a request's wrapper is
 * an empty {@code <body/>} start tag and its content the octets between the tags (R68). Encoding any body gives one
 * line of ECMAScript whose string literal, read back as a browser would, is the body again (§2.3, R69).
 */
class ScriptSyntaxFuzzTest {

    @FuzzTest
    void anyQueryDecodesOrIsABadRequestAndAnyBodyEncodesToOneLineOfScript(byte[] octets) {
        // the same octets as a query (as the servlet container hands it over) and, as UTF-16, as any Java string
        // a response body could hold, lone surrogates included
        String query = new String(octets, StandardCharsets.UTF_8);
        String body = utf16(octets);

        decode(query);
        String script = ScriptSyntax.encodeResponse(body);
        assertTrue(script.startsWith("_BOSH_(\"") && script.endsWith("\")"), script);
        assertFalse(script.chars().anyMatch(c -> c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029),
                "the call must be one line of script");
        assertEquals(body, ecmaScriptString(script.substring(8, script.length() - 2)));
    }

    private static void decode(String query) {
        ScriptSyntax.Request request;
        try {
            request = ScriptSyntax.decodeRequest(query);
        } catch (IllegalArgumentException badRequest) {
            return;
        }
        String wrapper = request.wrapper();
        assertTrue(wrapper.startsWith("<") && wrapper.endsWith("/>"), wrapper);
        byte[] document = request.document();
        if (!Arrays.equals(document, new String(document, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8))) {
            return; // the tag's octets are not UTF-8: the wrapper holds replacement characters, the parser refuses it
        }
        String text = new String(document, StandardCharsets.UTF_8).stripLeading();
        String content = new String(request.content(), StandardCharsets.UTF_8);
        String startTag = wrapper.substring(0, wrapper.length() - 2) + ">";
        // R68: the document is the start tag, the content, then the end tag; or one empty <body/>
        boolean empty = content.isEmpty() && text.stripTrailing().equals(wrapper);
        assertTrue(empty || text.startsWith(startTag + content + "</"), "not start tag + content + end tag: " + text);
    }

    /** Octet pairs as UTF-16 code units, unchecked: a decoder would replace lone surrogates. */
    private static String utf16(byte[] octets) {
        char[] units = new char[octets.length / 2];
        for (int i = 0; i < units.length; i++) {
            units[i] = (char) ((octets[2 * i] & 0xFF) << 8 | octets[2 * i + 1] & 0xFF);
        }
        return new String(units);
    }

    /** The value of an ECMAScript double-quoted string literal body, with the escapes encodeResponse emits. */
    private static String ecmaScriptString(String literal) {
        StringBuilder out = new StringBuilder(literal.length());
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            assertFalse(c == '"', "an unescaped quote ends the literal early");
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char next = literal.charAt(++i);
            switch (next) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case '"', '\\' -> out.append(next);
                case 'u' -> {
                    out.append((char) Integer.parseInt(literal.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> throw new AssertionError("unknown escape \\" + next);
            }
        }
        return out.toString();
    }
}
