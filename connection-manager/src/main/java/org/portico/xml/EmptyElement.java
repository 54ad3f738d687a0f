package org.portico.xml;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.namespace.QName;

/**
 * A document that is one empty element (XML 1.0 §3.1: an element with no content, written as an empty-element tag
 * {@code <a/>} or as a start tag directly followed by its end tag {@code <a></a>}) with plain attributes, read
 * without setting up a parser: the BOSH body of an empty long-poll, a session request, restart or terminate
 * (XEP-0124 §7, XEP-0206 §5), and WebSocket framing and acknowledgements ({@code <open/>}, {@code <close/>},
 * {@code <a h='3'/>}).
 *
 * <p>Why: most BOSH requests carry nothing, and Woodstox builds a reader for each (configuration, bootstrapper,
 * symbol table, element stack, attribute collector): about 2.5 kB of short-lived objects per body, a third of what
 * an idle long-poll allocated, and with 9,000 held requests that allocation decided how often G1 copied them all
 * (docs/benchmarks.md).
 *
 * <p>It reads only what it can read exactly as Woodstox does and answers {@code null} for anything else, which then
 * goes to the parser: a byte-order mark or XML declaration, any byte outside printable ASCII inside the tags (so no
 * encoding question, and no white space inside a value to normalize), a character or entity reference, a repeated
 * attribute or namespace declaration, an unbound or reserved prefix, and anything near a {@link XmlLimits} bound. So
 * it never refuses a document, and what it returns is what {@link XmlParser} returns for the same octets
 * ({@code EmptyElementTest} compares the two on generated documents). A document with content is passed on after a
 * look at its start tag, before anything is allocated.
 */
final class EmptyElement {

    private static final String XMLNS = XMLConstants.XMLNS_ATTRIBUTE;

    private final byte[] in;
    private int at;

    private EmptyElement(byte[] in) {
        this.in = in;
    }

    /** The element, or {@code null} when the document is anything but one empty element of the plain kind. */
    static XmlElement read(byte[] document, XmlLimits limits) {
        return mayBeEmptyElement(document) ? new EmptyElement(document).element(limits) : null;
    }

    private XmlElement element(XmlLimits limits) {
        skipSpace();
        if (!take('<')) {
            return null;
        }
        String elementPrefix = prefix();
        String elementLocal = local();
        if (elementLocal == null) {
            return null;
        }
        int room = limits.maxAttributes() - 1;
        // each attribute as three strings (prefix, local name, value), each prefix declaration as two (prefix, URI)
        String[] attributes = new String[12];
        int count = 0;
        String[] declarations = null;
        int declaredCount = 0;
        String defaultNamespace = null;
        while (true) {
            boolean spaced = skipSpace();
            if (take('/')) {
                if (!take('>')) {
                    return null;
                }
                break;
            }
            if (take('>')) {
                if (!endTag(elementPrefix, elementLocal)) {
                    return null;
                }
                break;
            }
            String prefix = prefix();
            String local = local();
            if (!spaced || local == null || count + declaredCount >= room) {
                return null;
            }
            skipSpace();
            if (!take('=')) {
                return null;
            }
            skipSpace();
            String value = value(limits.maxTextLength());
            if (value == null) {
                return null;
            }
            if (prefix == null && local.equals(XMLNS)) {
                if (defaultNamespace != null || reserved(value)) {
                    return null;
                }
                defaultNamespace = value;
            } else if (XMLNS.equals(prefix)) {
                if (value.isEmpty() || reserved(value) || local.equals(XMLConstants.XML_NS_PREFIX)
                        || local.equals(XMLNS) || uriOf(declarations, declaredCount, local) != null) {
                    return null;
                }
                if (declarations == null) {
                    declarations = new String[4];
                } else if (declarations.length == 2 * declaredCount) {
                    declarations = Arrays.copyOf(declarations, 4 * declaredCount);
                }
                declarations[2 * declaredCount] = local;
                declarations[2 * declaredCount++ + 1] = value;
            } else {
                if (attributes.length == 3 * count) {
                    attributes = Arrays.copyOf(attributes, 6 * count);
                }
                attributes[3 * count] = prefix;
                attributes[3 * count + 1] = local;
                attributes[3 * count++ + 2] = value;
            }
        }
        skipSpace();
        if (at != in.length) {
            return null;
        }
        String elementNamespace;
        if (elementPrefix == null) {
            elementNamespace = defaultNamespace == null ? XMLConstants.NULL_NS_URI : defaultNamespace;
        } else {
            elementNamespace = uriOf(declarations, declaredCount, elementPrefix);
            if (elementNamespace == null) {
                return null;
            }
        }
        QName[] names = new QName[count];
        String[] values = new String[count];
        for (int a = 0; a < count; a++) {
            String prefix = attributes[3 * a];
            String namespace = XMLConstants.NULL_NS_URI;
            if (prefix != null) {
                namespace = prefix.equals(XMLConstants.XML_NS_PREFIX) ? Namespaces.XML
                        : uriOf(declarations, declaredCount, prefix);
                if (namespace == null) {
                    return null;
                }
            }
            names[a] = new QName(namespace, attributes[3 * a + 1], prefix == null ? "" : prefix);
            values[a] = attributes[3 * a + 2];
            for (int b = 0; b < a; b++) {
                if (names[b].equals(names[a])) {
                    return null;
                }
            }
        }
        return new XmlElement(new QName(elementNamespace, elementLocal, elementPrefix == null ? "" : elementPrefix),
                Attributes.owning(names, values), List.of());
    }

    /**
     * Whether the document can be one empty element, judged without allocating: its last octets but white space are
     * "/>", or the first '>' outside a quoted value is directly followed by "</".
     */
    private static boolean mayBeEmptyElement(byte[] in) {
        int end = in.length;
        while (end > 0 && XmlParser.isWhitespace(in[end - 1])) {
            end--;
        }
        if (end < 2 || in[end - 1] != '>') {
            return false;
        }
        if (in[end - 2] == '/') {
            return true;
        }
        byte quote = 0;
        for (int i = 0; i + 2 < end; i++) {
            byte b = in[i];
            if (quote != 0) {
                quote = b == quote ? 0 : quote;
            } else if (b == '\'' || b == '"') {
                quote = b;
            } else if (b == '>') {
                return in[i + 1] == '<' && in[i + 2] == '/';
            }
        }
        return false;
    }

    /** After the start tag's '>': its end tag (production [42], '</' Name S? '>'), with the same name. */
    private boolean endTag(String prefix, String local) {
        if (!take('<') || !take('/') || (prefix != null && !(takeName(prefix) && take(':'))) || !takeName(local)) {
            return false;
        }
        skipSpace();
        return take('>');
    }

    /** The ASCII name exactly, and no longer name beginning with it. */
    private boolean takeName(String name) {
        int length = name.length();
        if (at + length > in.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (in[at + i] != name.charAt(i)) {
                return false;
            }
        }
        if (nameEnd(at) != at + length) {
            return false;
        }
        at += length;
        return true;
    }

    /** The namespaces XML reserves for itself may not be bound to another prefix, nor be the default (NS 1.0 §3). */
    private static boolean reserved(String uri) {
        return uri.equals(Namespaces.XML) || uri.equals(XMLConstants.XMLNS_ATTRIBUTE_NS_URI);
    }

    /** The URI a prefix declared on the tag is bound to, or null. */
    private static String uriOf(String[] declarations, int count, String prefix) {
        for (int i = 0; i < count; i++) {
            if (declarations[2 * i].equals(prefix)) {
                return declarations[2 * i + 1];
            }
        }
        return null;
    }

    /** A name's prefix and its colon, when it has one; otherwise nothing is consumed and the answer is null. */
    private String prefix() {
        int start = at;
        int end = nameEnd(start);
        if (end > start && end < in.length && in[end] == ':') {
            at = end + 1;
            return ascii(start, end);
        }
        return null;
    }

    /** The local part after {@link #prefix}; null when there is none (a lone colon, an empty name). */
    private String local() {
        int end = nameEnd(at);
        if (end == at || (end < in.length && in[end] == ':')) {
            return null;
        }
        String local = ascii(at, end);
        at = end;
        return local;
    }

    /** Where the name without colons starting at {@code from} ends: letters, digits, '.', '-', '_', no digit first. */
    private int nameEnd(int from) {
        int i = from;
        while (i < in.length) {
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

    /** A quoted value of printable ASCII without '<', '&' or its quote; null otherwise or when it is too long. */
    private String value(int maxLength) {
        if (at >= in.length || (in[at] != '\'' && in[at] != '"')) {
            return null;
        }
        byte quote = in[at++];
        int start = at;
        while (at < in.length && in[at] != quote) {
            byte b = in[at];
            if (b < 0x20 || b > 0x7e || b == '<' || b == '&') {
                return null;
            }
            at++;
        }
        if (at >= in.length || at - start >= maxLength) {
            return null;
        }
        return ascii(start, at++);
    }

    /** Skips XML white space (production S); whether there was any. */
    private boolean skipSpace() {
        int start = at;
        while (at < in.length && XmlParser.isWhitespace(in[at])) {
            at++;
        }
        return at > start;
    }

    private boolean take(char c) {
        if (at < in.length && in[at] == c) {
            at++;
            return true;
        }
        return false;
    }

    private String ascii(int from, int to) {
        return new String(in, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
