package org.portico.xml;

/** Input that is not acceptable XML: malformed, too large, too deep, or carrying a DTD or entity. */
public final class XmlParseException extends Exception {
    public XmlParseException(String message) {
        super(message);
    }

    public XmlParseException(String message, Throwable cause) {
        super(message, cause);
    }
}
