package org.portico.xml;

import java.util.HashMap;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.namespace.QName;

/**
 * Serializes {@link XmlElement}s, declaring exactly the namespaces the surrounding context does not already declare.
 *
 * <p>The same element is written differently per destination: inside the upstream {@code <stream:stream>} (default
 * namespace {@code jabber:client}, {@code stream} prefix bound) a message needs no declaration; inside a BOSH
 * {@code <body/>} (default namespace httpbind) it needs {@code xmlns='jabber:client'}; as a WebSocket message it must
 * stand alone (RFC 7395 §3.3.3). The destination is described by a {@link Scope}.
 */
public final class XmlWriter {

    private XmlWriter() {
    }

    /** What an enclosing element already declares: its default namespace and bound prefixes. */
    public record Scope(String defaultNamespace, Map<String, String> prefixes) {
        /** Nothing declared: the element must carry every declaration itself. */
        public static final Scope NONE = new Scope(XMLConstants.NULL_NS_URI, Map.of());

        public Scope {
            prefixes = Map.copyOf(prefixes);
        }

        /** Inside an XMPP client stream: default {@code jabber:client}, {@code stream} bound. */
        public static final Scope CLIENT_STREAM =
                new Scope(Namespaces.JABBER_CLIENT, Map.of("stream", Namespaces.STREAMS));

        String namespaceOf(String prefix) {
            return prefixes.get(prefix);
        }
    }

    /** The element as a standalone document fragment (RFC 7395 §3.3.3), every namespace declared. */
    public static String standalone(XmlElement element) {
        return write(element, Scope.NONE);
    }

    public static String write(XmlElement element, Scope scope) {
        StringBuilder out = new StringBuilder(256);
        write(element, scope, out);
        return out.toString();
    }

    /**
     * Writes one element. Every stanza relayed passes here, so the common case allocates nothing of its own: the
     * scope's bindings are copied only when the element declares a prefix, and a child shares its parent's scope
     * unless the parent declared something.
     */
    public static void write(XmlElement element, Scope scope, StringBuilder out) {
        Map<String, String> declared = scope.prefixes();
        boolean copied = false;
        String defaultNs = scope.defaultNamespace();
        // the element's own declaration goes straight into out after its attributes; only those that its
        // attributes' namespaces add (rare) need a builder of their own, as they are found among the attributes
        boolean declaresPrefix = false;
        boolean declaresDefault = false;
        StringBuilder declarations = null;

        QName name = element.name();
        String ns = name.getNamespaceURI();
        String prefix = name.getPrefix();
        boolean prefixed = !prefix.isEmpty() && !ns.isEmpty();
        if (prefixed) {
            if (!ns.equals(declared.get(prefix))) {
                declared = new HashMap<>(declared);
                copied = true;
                declared.put(prefix, ns);
                declaresPrefix = true;
            }
        } else if (!ns.equals(defaultNs)) {
            defaultNs = ns;
            declaresDefault = true;
        }

        out.append('<');
        if (prefixed) {
            out.append(prefix).append(':');
        }
        out.append(name.getLocalPart());
        int generated = 0;
        for (Map.Entry<QName, String> attribute : element.attributes().entrySet()) {
            QName attributeName = attribute.getKey();
            String attributeNs = attributeName.getNamespaceURI();
            out.append(' ');
            if (attributeNs.isEmpty()) {
                out.append(attributeName.getLocalPart());
            } else if (attributeNs.equals(XMLConstants.XML_NS_URI)) {
                out.append("xml:").append(attributeName.getLocalPart());
            } else {
                String attributePrefix = prefixFor(attributeNs, declared);
                if (attributePrefix == null) {
                    attributePrefix = attributeName.getPrefix();
                    while (attributePrefix.isEmpty() || declared.containsKey(attributePrefix)) {
                        attributePrefix = "ns" + (++generated);
                    }
                    if (!copied) {
                        declared = new HashMap<>(declared);
                        copied = true;
                    }
                    declared.put(attributePrefix, attributeNs);
                    declarations = declare(declarations == null ? new StringBuilder() : declarations,
                            attributePrefix, attributeNs);
                }
                out.append(attributePrefix).append(':').append(attributeName.getLocalPart());
            }
            out.append("=\"");
            escapeAttribute(attribute.getValue(), out);
            out.append('"');
        }
        if (declaresPrefix) {
            declare(out, prefix, ns);
        } else if (declaresDefault) {
            declare(out, null, ns);
        }
        if (declarations != null) {
            out.append(declarations);
        }

        if (element.children().isEmpty()) {
            out.append("/>");
            return;
        }
        out.append('>');
        Scope inner = copied || !defaultNs.equals(scope.defaultNamespace()) ? new Scope(defaultNs, declared) : scope;
        for (XmlNode child : element.children()) {
            switch (child) {
                case XmlText text -> escapeText(text.text(), out);
                case XmlElement childElement -> write(childElement, inner, out);
            }
        }
        out.append("</");
        if (prefixed) {
            out.append(prefix).append(':');
        }
        out.append(name.getLocalPart()).append('>');
    }

    /** Appends {@code xmlns:prefix="namespace"}, or {@code xmlns="namespace"} for a null prefix. */
    private static StringBuilder declare(StringBuilder declarations, String prefix, String namespace) {
        declarations.append(" xmlns");
        if (prefix != null) {
            declarations.append(':').append(prefix);
        }
        declarations.append("=\"");
        escapeAttribute(namespace, declarations);
        return declarations.append('"');
    }

    private static String prefixFor(String namespace, Map<String, String> declared) {
        for (Map.Entry<String, String> binding : declared.entrySet()) {
            if (binding.getValue().equals(namespace)) {
                return binding.getKey();
            }
        }
        return null;
    }

    public static void escapeText(String text, StringBuilder out) {
        int first = 0;
        while (first < text.length() && !needsEscapeInText(text.charAt(first))) {
            first++;
        }
        out.append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '\r' -> out.append("&#13;");
                default -> out.append(c);
            }
        }
    }

    public static void escapeAttribute(String value, StringBuilder out) {
        int first = 0;
        while (first < value.length() && !needsEscapeInAttribute(value.charAt(first))) {
            first++;
        }
        out.append(value, 0, first);
        for (int i = first; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                case '\t' -> out.append("&#9;");
                case '\n' -> out.append("&#10;");
                case '\r' -> out.append("&#13;");
                default -> out.append(c);
            }
        }
    }

    /** Plain text is copied in one piece up to its first character that needs escaping. */
    private static boolean needsEscapeInText(char c) {
        return c == '&' || c == '<' || c == '>' || c == '\r';
    }

    private static boolean needsEscapeInAttribute(char c) {
        return c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c == '\t' || c == '\n' || c == '\r';
    }
}
