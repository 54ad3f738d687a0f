package org.portico.xml;

/** A node of the small immutable tree Portico relays: an element or a run of character data. */
public sealed interface XmlNode permits XmlElement, XmlText {
}
