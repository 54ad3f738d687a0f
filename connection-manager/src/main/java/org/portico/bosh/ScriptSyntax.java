package org.portico.bosh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * XEP-0252 BOSH Script Syntax (R67–R70), for browsers that can only load scripts from another origin: the client
 * sends each {@code <body/>} URI-escaped as the query of a GET, and the connection manager answers
 * {@code _BOSH_("…")} with the body as an ECMAScript string.
 *
 * <p>Pure and stateless. Decoding only splits a request into its wrapper and its content: XEP-0252 §2.2 (R68) says
 * the content between the {@code <body>} tags is part of an <em>octet stream</em> that a client may split over
 * several GETs (old browsers cap URLs at about 2083 characters), so the session feeds the content of successive
 * requests, in rid order, to one stream parser rather than parsing each in isolation.
 */
public final class ScriptSyntax {

    /** The response Content-Type when the client gave no {@code content} attribute (XEP-0252 §2.3, R69). */
    public static final String CONTENT_TYPE = "text/javascript; charset=utf-8";

    /**
     * Headers that keep every response out of caches and intermediaries' storage (XEP-0252 §4, R70): HTTP/1.1
     * {@code Cache-Control} (the two headers of the spec's examples, combined), HTTP/1.0 {@code Pragma}, and an
     * {@code Expires} in the past for HTTP/1.0 caches that ignore {@code Pragma} on responses.
     */
    public static final Map<String, String> NO_CACHE_HEADERS = Map.of(
            "Cache-Control", "no-store, no-cache, must-revalidate, max-age=0",
            "Pragma", "no-cache",
            "Expires", "Thu, 01 Jan 1970 00:00:00 GMT");

    private static final String PREFIX = "_BOSH_(\"";
    private static final String SUFFIX = "\")";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ScriptSyntax() {
    }

    /**
     * One decoded GET request. {@link #document()} is the whole body as octets, for a client that sends complete
     * stanzas in each GET; R68 asks the session to treat the content as an octet stream instead, so
     * {@link #wrapper()} and {@link #content()} split it: the wrapper is the start tag closed as an empty element
     * ({@code <body rid='…' …/>}, a document {@link org.portico.xml.XmlParser} reads for the attributes), the
     * content the octets between the start and end tags, possibly a fragment of a payload the next GET continues.
     */
    public static final class Request {
        private final String query;
        private final String wrapper;
        private final byte[] document;
        private final int contentStart;
        private final int contentEnd;

        private Request(String query, String wrapper, byte[] document, int contentStart, int contentEnd) {
            this.query = query;
            this.wrapper = wrapper;
            this.document = document;
            this.contentStart = contentStart;
            this.contentEnd = contentEnd;
        }

        /** The query as it arrived, still escaped: what a cluster node forwards to the session's owner. */
        public String query() {
            return query;
        }

        public String wrapper() {
            return wrapper;
        }

        public byte[] content() {
            return Arrays.copyOfRange(document, contentStart, contentEnd);
        }

        public byte[] document() {
            return document.clone();
        }

        @Override
        public String toString() {
            return "ScriptSyntax.Request[" + wrapper + " + " + (contentEnd - contentStart) + " octets]";
        }
    }

    /**
     * Decodes the raw (still escaped) query of a GET, everything after {@code ?} (XEP-0252 §2.2). Percent escapes
     * are octets of UTF-8 (RFC 3986); {@code +} is a literal plus, not a space, since §2.2 lets it through
     * unescaped.
     *
     * @throws IllegalArgumentException for a malformed escape, or a query that is not one {@code <body>} element;
     *                                  the session answers {@link BoshCondition#BAD_REQUEST}
     */
    public static Request decodeRequest(String rawQuery) {
        byte[] octets = percentDecode(rawQuery);
        int start = skipSpace(octets, 0);
        if (start >= octets.length || octets[start] != '<') {
            throw new IllegalArgumentException("the query is not a <body> element");
        }
        int tagEnd = endOfStartTag(octets, start);
        boolean selfClosed = octets[tagEnd - 1] == '/';
        String name = elementName(octets, start + 1);
        if (!(name.equals("body") || name.endsWith(":body"))) {
            throw new IllegalArgumentException("the query is a <" + name + "> element, not a <body>");
        }
        if (selfClosed) {
            if (skipSpace(octets, tagEnd + 1) != octets.length) {
                throw new IllegalArgumentException("text after the empty <body/> element");
            }
            return new Request(rawQuery, new String(octets, start, tagEnd + 1 - start, StandardCharsets.UTF_8),
                    octets, tagEnd + 1, tagEnd + 1);
        }
        int endTag = startOfEndTag(octets, name);
        if (endTag <= tagEnd) {
            throw new IllegalArgumentException("the <" + name + "> element has no end tag");
        }
        String wrapper = new String(octets, start, tagEnd - start, StandardCharsets.UTF_8) + "/>";
        return new Request(rawQuery, wrapper, octets, tagEnd + 1, endTag);
    }

    private static byte[] percentDecode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new IllegalArgumentException("truncated %-escape at " + i);
                }
                int high = hexValue(raw.charAt(i + 1));
                int low = hexValue(raw.charAt(i + 2));
                if (high < 0 || low < 0) {
                    throw new IllegalArgumentException("malformed %-escape at " + i);
                }
                out.write(high << 4 | low);
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                // Servlet containers hand the query over as received, but be lenient with an unescaped character.
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < raw.length()) {
                    utf8 = raw.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                out.write(utf8, 0, utf8.length);
            }
        }
        return out.toByteArray();
    }

    /** ASCII hex only: {@link Character#digit} would also accept other scripts' digits. */
    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static int skipSpace(byte[] octets, int from) {
        int i = from;
        while (i < octets.length && isSpace(octets[i])) {
            i++;
        }
        return i;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    /** The index of the {@code >} closing the start tag at {@code start}; a quoted value may contain {@code >}. */
    private static int endOfStartTag(byte[] octets, int start) {
        byte quote = 0;
        for (int i = start + 1; i < octets.length; i++) {
            byte b = octets[i];
            if (quote != 0) {
                if (b == quote) {
                    quote = 0;
                }
            } else if (b == '"' || b == '\'') {
                quote = b;
            } else if (b == '>') {
                return i;
            }
        }
        throw new IllegalArgumentException("the <body> start tag is not closed");
    }

    private static String elementName(byte[] octets, int from) {
        int i = from;
        while (i < octets.length && !isSpace(octets[i]) && octets[i] != '/' && octets[i] != '>') {
            i++;
        }
        return new String(octets, from, i - from, StandardCharsets.UTF_8);
    }

    /** Where {@code </name>} (space allowed before {@code >}) begins, given that it ends the query; else -1. */
    private static int startOfEndTag(byte[] octets, String name) {
        int end = octets.length;
        while (end > 0 && isSpace(octets[end - 1])) {
            end--;
        }
        if (end == 0 || octets[end - 1] != '>') {
            return -1;
        }
        int i = end - 1;
        while (i > 0 && isSpace(octets[i - 1])) {
            i--;
        }
        byte[] expected = ("</" + name).getBytes(StandardCharsets.UTF_8);
        int tag = i - expected.length;
        if (tag < 0 || !Arrays.equals(octets, tag, i, expected, 0, expected.length)) {
            return -1;
        }
        return tag;
    }

    /**
     * Wraps a serialized {@code <body/>} as {@code _BOSH_("…")} (XEP-0252 §2.3, R69): {@code "} and {@code \} are
     * backslash-escaped, line feed and carriage return become {@code \n} and {@code \r}, and U+2028, U+2029, every
     * format character (Unicode category Cf, e.g. U+200E) and, for safety, every other C0 control and any lone
     * surrogate become {@code \}{@code uXXXX} escapes, so the result is one line of valid ECMAScript. A format
     * character outside the BMP is escaped as its surrogate pair.
     */
    public static String encodeResponse(String body) {
        StringBuilder out = new StringBuilder(body.length() + PREFIX.length() + SUFFIX.length() + 16);
        out.append(PREFIX);
        for (int i = 0; i < body.length(); ) {
            int cp = body.codePointAt(i);
            int width = Character.charCount(cp);
            switch (cp) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> {
                    if (needsUnicodeEscape(cp)) {
                        for (int j = i; j < i + width; j++) {
                            unicodeEscape(body.charAt(j), out);
                        }
                    } else {
                        out.append(body, i, i + width);
                    }
                }
            }
            i += width;
        }
        return out.append(SUFFIX).toString();
    }

    private static boolean needsUnicodeEscape(int cp) {
        return cp < 0x20 || cp == 0x2028 || cp == 0x2029 || Character.getType(cp) == Character.FORMAT
                || Character.getType(cp) == Character.SURROGATE;
    }

    private static void unicodeEscape(char c, StringBuilder out) {
        out.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF]).append(HEX[c >> 4 & 0xF])
                .append(HEX[c & 0xF]);
    }
}
