package org.portico.xml;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.xml.XMLConstants;
import javax.xml.namespace.QName;

/**
 * An element of the plain kind, read from UTF-8 octets without setting up a parser: elements with ASCII names,
 * attributes, character data, the five predefined entity references and character references (XML 1.0 §2.4, §3,
 * §4.1, §4.6; Namespaces in XML 1.0 §3–6). That is what clients and servers write for stanzas, BOSH bodies and
 * WebSocket framing: a whole document (a body, a message) or a stream's first-level element in the scope of the
 * stream's header (RFC 6120 §4.7).
 *
 * <p>Why: Woodstox sets up a reader for each document (configuration, bootstrapper, symbol table, element stack,
 * attribute and namespace collectors), which was a quarter of what relaying a message allocated and most of the
 * parsing's CPU (docs/benchmarks.md).
 *
 * <p>It reads only what it can read exactly as Woodstox does and answers {@code null} for anything else, which then
 * goes to the parser: a byte-order mark or XML declaration before a document, a comment, CDATA section, processing
 * instruction or declaration, a name beyond ASCII, a carriage return (line-end normalization), white space inside an
 * attribute value (value normalization), control characters and the characters XML 1.1 treats differently, an
 * octet sequence that is not strict UTF-8, an unknown entity, a repeated attribute or declaration, an unbound or
 * reserved prefix, and anything near a {@link XmlLimits} bound. So it never refuses a document, and what it returns
 * is what {@link XmlParser} returns for the same octets ({@code PlainElementTest} and {@code PlainElementFuzzTest}
 * compare the two).
 *
 * <p>A value confined to the thread that reads one document. Longer than most classes here because it is one
 * reader of one grammar: its markup and its characters share the position in the octets and the one way out
 * ({@link NotPlain}), and split apart they would hand both back and forth on every character run.
 */
final class PlainElement {

    private static final String XMLNS = XMLConstants.XMLNS_ATTRIBUTE;
    /** The default namespace's entry in {@link #scope}. */
    private static final String DEFAULT = "";
    private static final String[] NO_BINDINGS = new String[0];

    /**
     * Thrown where the octets leave the plain kind. Control flow only, so one instance without a stack trace: a
     * document that leaves it costs one Woodstox parse, not an exception too.
     */
    private static final class NotPlain extends Exception {
        NotPlain() {
            super(null, null, false, false);
        }
    }

    private static final NotPlain NOT_PLAIN = new NotPlain();

    /**
     * Names, prefixes and namespace URIs read before, shared by all readers; {@link #QNAMES} the same for qualified
     * names. Stanzas repeat a few dozen of them, and a string and a {@link QName} for each, every time, were a quarter
     * of what reading a message allocated. A slot keeps what was hashed to it last; threads that race on a slot each
     * leave a whole immutable object in it, so no lock is needed, and what hostile input puts there costs at most
     * {@link #NAMES}' length times {@link #MAX_SHARED_LENGTH} characters.
     */
    private static final String[] NAMES = new String[1024];
    private static final QName[] QNAMES = new QName[1024];
    private static final int MAX_SHARED_LENGTH = 64;

    private final byte[] in;
    private final int end;
    private final XmlLimits limits;
    private int at;
    /** The namespace bindings in scope, innermost last: prefix (or {@link #DEFAULT}) and URI, one after the other. */
    private String[] scope = NO_BINDINGS;
    private int scopeLength;
    /** Each attribute of the start tag being read as three strings (prefix, local name, value); reused by the next. */
    private String[] triples;

    private PlainElement(byte[] in, int from, int end, XmlLimits limits) {
        this.in = in;
        this.at = from;
        this.end = end;
        this.limits = limits;
    }

    /** The root of a whole document (a BOSH body, a WebSocket message), or {@code null} when it is not plain. */
    static XmlElement readDocument(byte[] document, XmlLimits limits) {
        PlainElement reader = new PlainElement(document, 0, document.length, limits);
        try {
            reader.skipSpace();
            reader.expect('<');
            XmlElement root = reader.element(1, false);
            reader.skipSpace();
            return reader.at == reader.end ? root : null;
        } catch (NotPlain notPlain) {
            return null;
        }
    }

    /**
     * The namespace bindings a stream's {@code header} declares (an XML declaration and the stream's start tag, which
     * the parser has read whole without error: {@link XmlParser#streamScope}), as prefix and URI pairs; {@code null}
     * when the header is not plain.
     */
    static String[] bindingsOf(byte[] header, XmlLimits limits) {
        PlainElement reader = new PlainElement(header, 0, header.length, limits);
        try {
            reader.declaration();
            reader.skipSpace();
            reader.expect('<');
            reader.element(1, true);
            return reader.at == reader.end ? Arrays.copyOf(reader.scope, reader.scopeLength) : null;
        } catch (NotPlain notPlain) {
            return null;
        }
    }

    /**
     * A stream's first-level element, {@code bytes[from..to)} (white space before it included), in the scope of the
     * {@code bindings} its header declares ({@link #bindingsOf}); {@code null} when it is not plain.
     */
    static XmlElement readFirstLevel(String[] bindings, byte[] bytes, int from, int to, XmlLimits limits) {
        PlainElement reader = new PlainElement(bytes, from, to, limits);
        // shared with every element of the stream: full, so the first binding inside the element copies it
        reader.scope = bindings;
        reader.scopeLength = bindings.length;
        try {
            reader.skipSpace();
            reader.expect('<');
            XmlElement element = reader.element(2, false);
            return reader.at == reader.end ? element : null;
        } catch (NotPlain notPlain) {
            return null;
        }
    }

    /**
     * A stream header's XML declaration, if it has one: only {@code version='1.0'}, with UTF-8 if it names an
     * encoding. The parser has read the header already, so its syntax is known to be right.
     */
    private void declaration() throws NotPlain {
        if (!startsWith("<?xml")) {
            return;
        }
        int close = at;
        while (close + 1 < end && !(in[close] == '?' && in[close + 1] == '>')) {
            close++;
        }
        String text = new String(in, at, close - at, StandardCharsets.ISO_8859_1);
        boolean version = text.contains("version='1.0'") || text.contains("version=\"1.0\"");
        String lower = text.toLowerCase(Locale.ROOT);
        boolean utf8 = !text.contains("encoding") || lower.contains("'utf-8'") || lower.contains("\"utf-8\"");
        if (!version || !utf8 || close + 1 >= end) {
            throw NOT_PLAIN;
        }
        at = close + 2;
    }

    /**
     * The element whose {@code <} was just read, with everything inside it; only its start tag when {@code header}.
     *
     * @param depth 1 for a document's root element
     */
    private XmlElement element(int depth, boolean header) throws NotPlain {
        if (depth >= limits.maxDepth() - 1) {
            throw NOT_PLAIN;
        }
        String elementPrefix = prefix();
        String elementLocal = local();
        int scopeMark = scopeLength;
        int room = limits.maxAttributes() - 1;
        String[] attributes = triples;
        int count = 0;
        int declared = 0;
        boolean empty;
        while (true) {
            boolean spaced = skipSpace();
            if (take('/')) {
                expect('>');
                empty = true;
                break;
            }
            if (take('>')) {
                empty = false;
                break;
            }
            String prefix = prefix();
            String local = local();
            if (!spaced || count + declared >= room) {
                throw NOT_PLAIN;
            }
            skipSpace();
            expect('=');
            skipSpace();
            boolean declaresDefault = prefix == null && local.equals(XMLNS);
            boolean declaresPrefix = XMLNS.equals(prefix);
            String value = value(declaresDefault || declaresPrefix);
            if (declaresDefault) {
                declare(scopeMark, DEFAULT, value);
                declared++;
            } else if (declaresPrefix) {
                if (value.isEmpty() || local.equals(XMLConstants.XML_NS_PREFIX) || local.equals(XMLNS)) {
                    throw NOT_PLAIN;
                }
                declare(scopeMark, local, value);
                declared++;
            } else {
                if (attributes == null || attributes.length == 3 * count) {
                    attributes = attributes == null ? new String[24] : Arrays.copyOf(attributes, 6 * count);
                    triples = attributes;
                }
                attributes[3 * count] = prefix;
                attributes[3 * count + 1] = local;
                attributes[3 * count++ + 2] = value;
            }
        }
        if (header && empty) {
            throw NOT_PLAIN; // a stream header is a start tag; an empty one would end the stream
        }
        QName name = qualified(elementPrefix == null ? uriOf(DEFAULT, XMLConstants.NULL_NS_URI)
                : uriOf(elementPrefix, null), elementLocal, elementPrefix == null ? "" : elementPrefix);
        QName[] names = new QName[count];
        String[] values = new String[count];
        for (int a = 0; a < count; a++) {
            String prefix = attributes[3 * a];
            String namespace = prefix == null ? XMLConstants.NULL_NS_URI
                    : prefix.equals(XMLConstants.XML_NS_PREFIX) ? Namespaces.XML : uriOf(prefix, null);
            names[a] = qualified(namespace, attributes[3 * a + 1], prefix == null ? "" : prefix);
            values[a] = attributes[3 * a + 2];
            for (int b = 0; b < a; b++) {
                if (names[b].equals(names[a])) {
                    throw NOT_PLAIN;
                }
            }
        }
        List<XmlNode> children = empty || header ? List.of() : content(elementPrefix, elementLocal, depth);
        if (!header) {
            scopeLength = scopeMark;
        }
        return new XmlElement(name, Attributes.owning(names, values), children);
    }

    /** After a start tag's {@code >}: text and child elements up to the end tag, which must close the same name. */
    private List<XmlNode> content(String prefix, String local, int depth) throws NotPlain {
        List<XmlNode> children = new ArrayList<>(4);
        while (true) {
            String text = characters((byte) '<', false);
            if (!text.isEmpty()) {
                children.add(new XmlText(text));
            }
            at++; // the '<' that ended the text
            if (take('/')) {
                if ((prefix != null && !(takeName(prefix) && take(':'))) || !takeName(local)) {
                    throw NOT_PLAIN;
                }
                skipSpace();
                expect('>');
                return children;
            }
            children.add(element(depth + 1, false));
        }
    }

    /**
     * Binds a prefix (or the default namespace) on the element whose bindings start at {@code mark}; a second
     * binding of the same prefix on one element, and a binding of the namespaces XML reserves, are the parser's
     * errors (Namespaces in XML 1.0 §3).
     */
    private void declare(int mark, String prefix, String uri) throws NotPlain {
        if (uri.equals(Namespaces.XML) || uri.equals(XMLConstants.XMLNS_ATTRIBUTE_NS_URI)) {
            throw NOT_PLAIN;
        }
        for (int i = mark; i < scopeLength; i += 2) {
            if (scope[i].equals(prefix)) {
                throw NOT_PLAIN;
            }
        }
        if (scopeLength == scope.length) {
            scope = Arrays.copyOf(scope, Math.max(8, 2 * scopeLength));
        }
        scope[scopeLength++] = prefix;
        scope[scopeLength++] = uri;
    }

    /** The innermost binding of a prefix; {@code unbound} when there is none, which is not plain if null. */
    private String uriOf(String prefix, String unbound) throws NotPlain {
        for (int i = scopeLength - 2; i >= 0; i -= 2) {
            if (scope[i].equals(prefix)) {
                return scope[i + 1];
            }
        }
        if (unbound == null) {
            throw NOT_PLAIN;
        }
        return unbound;
    }

    /** A name's prefix and its colon, when it has one; otherwise nothing is consumed and the answer is null. */
    private String prefix() {
        int start = at;
        int nameEnd = nameEnd(start);
        if (nameEnd > start && nameEnd < end && in[nameEnd] == ':') {
            at = nameEnd + 1;
            return name(start, nameEnd);
        }
        return null;
    }

    /** The local part after {@link #prefix}; not plain when there is none (a lone colon, an empty name). */
    private String local() throws NotPlain {
        int nameEnd = nameEnd(at);
        if (nameEnd == at || (nameEnd < end && in[nameEnd] == ':')) {
            throw NOT_PLAIN;
        }
        String local = name(at, nameEnd);
        at = nameEnd;
        return local;
    }

    /** Where the name without colons starting at {@code from} ends: letters, digits, '.', '-', '_', no digit first. */
    private int nameEnd(int from) {
        int i = from;
        while (i < end) {
            byte b = in[i];
            boolean letter = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
            boolean other = (b >= '0' && b <= '9') || b == '.' || b == '-';
            if (!(letter || (other && i > from))) {
                break;
            }
            i++;
        }
        return i;
    }

    /** The ASCII name exactly, and no longer name beginning with it. */
    private boolean takeName(String name) {
        if (!startsWith(name) || nameEnd(at) != at + name.length()) {
            return false;
        }
        at += name.length();
        return true;
    }

    /** A quoted attribute value, its references replaced; a namespace declaration's is {@link #name shared}. */
    private String value(boolean declaration) throws NotPlain {
        if (at >= end || (in[at] != '\'' && in[at] != '"')) {
            throw NOT_PLAIN;
        }
        byte quote = in[at++];
        String value = characters(quote, declaration);
        at++; // the closing quote
        return value;
    }

    /**
     * Characters up to the octet {@code stop}, which is left unread: the quote that ends an attribute value, or the
     * {@code <} that ends character data. ASCII without references becomes its string directly, a
     * {@link #name shared} one when {@code shared}.
     */
    private String characters(byte stop, boolean shared) throws NotPlain {
        boolean text = stop == '<';
        int start = at;
        while (at < end && in[at] != stop && literal(in[at], text, start)) {
            at++;
        }
        if (at < end && in[at] == stop) {
            return at == start ? "" : length(shared ? name(start, at) : ascii(start, at));
        }
        StringBuilder out = new StringBuilder(at - start + 16).append(ascii(start, at));
        while (at < end) {
            int b = in[at] & 0xff;
            if (b == stop) {
                return length(out.toString());
            }
            if (b == '&') {
                reference(out);
            } else if (b >= 0x80) {
                out.appendCodePoint(utf8());
            } else if (literal(b, text, start)) {
                out.append((char) b);
                at++;
            } else {
                throw NOT_PLAIN;
            }
        }
        throw NOT_PLAIN;
    }

    /**
     * Whether the octet {@code b} at {@link #at} stands for itself: printable ASCII but {@code <} and {@code &}, and
     * in text a tab or line feed too. A {@code >} that ends "]]>" in text, since {@code start}, is not plain: it may
     * not stand in character data (XML 1.0 §2.4).
     */
    private boolean literal(int b, boolean text, int start) throws NotPlain {
        if (b == '>' && text && at - start >= 2 && in[at - 1] == ']' && in[at - 2] == ']') {
            throw NOT_PLAIN;
        }
        return (b >= 0x20 && b < 0x7f && b != '&' && b != '<') || (text && (b == '\t' || b == '\n'));
    }

    /** The parser bounds each run of characters; anything near the bound is left to it. */
    private String length(String characters) throws NotPlain {
        if (characters.length() >= limits.maxTextLength()) {
            throw NOT_PLAIN;
        }
        return characters;
    }

    /** A predefined entity or character reference at {@code &}, appended as the character it stands for. */
    private void reference(StringBuilder out) throws NotPlain {
        int semicolon = at + 1;
        while (semicolon < end && semicolon - at <= 10 && in[semicolon] != ';') {
            semicolon++;
        }
        if (semicolon >= end || in[semicolon] != ';') {
            throw NOT_PLAIN;
        }
        String name = ascii(at + 1, semicolon);
        at = semicolon + 1;
        switch (name) {
            case "lt" -> out.append('<');
            case "gt" -> out.append('>');
            case "amp" -> out.append('&');
            case "quot" -> out.append('"');
            case "apos" -> out.append('\'');
            default -> out.appendCodePoint(plainCharacter(characterReference(name)));
        }
    }

    /** The code point of {@code #n} or {@code #xh} (XML 1.0 §4.1 [66]); not plain when it is anything else. */
    private static int characterReference(String name) throws NotPlain {
        boolean hex = name.startsWith("#x");
        int from = hex ? 2 : 1;
        if (!name.startsWith("#") || name.length() == from) {
            throw NOT_PLAIN;
        }
        int value = 0;
        for (int i = from; i < name.length(); i++) {
            int digit = Character.digit(name.charAt(i), hex ? 16 : 10);
            if (digit < 0) {
                throw NOT_PLAIN;
            }
            value = value * (hex ? 16 : 10) + digit;
        }
        return value;
    }

    /** A strict UTF-8 sequence of two to four octets (RFC 3629 §4), decoded. */
    private int utf8() throws NotPlain {
        int b0 = in[at] & 0xff;
        int length = b0 >= 0xc2 && b0 <= 0xdf ? 2 : b0 >= 0xe0 && b0 <= 0xef ? 3 : b0 >= 0xf0 && b0 <= 0xf4 ? 4 : 0;
        if (length == 0 || at + length > end) {
            throw NOT_PLAIN;
        }
        int codePoint = b0 & (0xff >> (length + 1));
        for (int i = 1; i < length; i++) {
            int b = in[at + i] & 0xff;
            if ((b & 0xc0) != 0x80) {
                throw NOT_PLAIN;
            }
            codePoint = (codePoint << 6) | (b & 0x3f);
        }
        int least = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
        if (codePoint < least || codePoint > 0x10ffff) {
            throw NOT_PLAIN; // an overlong form, or beyond Unicode
        }
        at += length;
        return plainCharacter(codePoint);
    }

    /**
     * An XML 1.0 character (§2.2) that both XML versions read alike: not a control character other than tab and
     * line feed (carriage returns are normalized), not in U+007F–U+009F or U+2028 (XML 1.1's line ends and
     * restricted characters), not a surrogate, not U+FFFE or U+FFFF.
     */
    private static int plainCharacter(int c) throws NotPlain {
        boolean plain = c == '\t' || c == '\n' || (c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c <= 0xd7ff
                && c != 0x2028) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
        if (!plain) {
            throw NOT_PLAIN;
        }
        return c;
    }

    /** Skips XML white space (production S); whether there was any. */
    private boolean skipSpace() {
        int start = at;
        while (at < end && XmlParser.isWhitespace(in[at])) {
            at++;
        }
        return at > start;
    }

    private boolean startsWith(String ascii) {
        if (at + ascii.length() > end) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (in[at + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean take(char c) {
        if (at < end && in[at] == c) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(char c) throws NotPlain {
        if (!take(c)) {
            throw NOT_PLAIN;
        }
    }

    /**
     * The ASCII name or namespace URI at {@code in[from..to)}, as the string read last for the same octets when
     * {@link #NAMES} still holds it.
     */
    private String name(int from, int to) {
        int length = to - from;
        if (length > MAX_SHARED_LENGTH) {
            return ascii(from, to);
        }
        int hash = 0;
        for (int i = from; i < to; i++) {
            hash = 31 * hash + in[i];
        }
        int slot = (hash ^ (hash >>> 12)) & (NAMES.length - 1);
        String shared = NAMES[slot];
        if (shared != null && shared.length() == length) {
            int i = 0;
            while (i < length && shared.charAt(i) == in[from + i]) {
                i++;
            }
            if (i == length) {
                return shared;
            }
        }
        String name = ascii(from, to);
        NAMES[slot] = name;
        return name;
    }

    /** The qualified name, as {@link #QNAMES} still holds it when it was made last for the same three strings. */
    private static QName qualified(String namespace, String local, String prefix) {
        int slot = (31 * (31 * namespace.hashCode() + local.hashCode()) + prefix.hashCode()) & (QNAMES.length - 1);
        QName shared = QNAMES[slot];
        if (shared != null && shared.getLocalPart().equals(local) && shared.getNamespaceURI().equals(namespace)
                && shared.getPrefix().equals(prefix)) {
            return shared;
        }
        QName name = new QName(namespace, local, prefix);
        QNAMES[slot] = name;
        return name;
    }

    private String ascii(int from, int to) {
        return new String(in, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
