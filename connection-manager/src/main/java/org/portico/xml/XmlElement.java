package org.portico.xml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import javax.xml.namespace.QName;

/**
 * One XML element with its attributes and children, as relayed between the transports and the upstream stream.
 *
 * <p>Immutable: it is built once by a parser and then handed between threads (upstream reader, HTTP and WebSocket
 * threads) without copying. The name's prefix is only a hint for serialization; identity is namespace + local
 * name. Attribute keys are {@link QName}s too, so {@code xml:lang} and {@code xmpp:version} keep their namespace.
 */
public record XmlElement(QName name, Map<QName, String> attributes, List<XmlNode> children) implements XmlNode {

    public XmlElement {
        Objects.requireNonNull(name, "name");
        attributes = Attributes.of(attributes);
        children = List.copyOf(children);
    }

    /** An empty element {@code <local xmlns='namespace'/>}. */
    public static XmlElement of(String namespace, String local) {
        return new XmlElement(new QName(namespace, local), Map.of(), List.of());
    }

    public String namespace() {
        return name.getNamespaceURI();
    }

    public String localName() {
        return name.getLocalPart();
    }

    public boolean is(String namespace, String local) {
        return name.getLocalPart().equals(local) && name.getNamespaceURI().equals(namespace);
    }

    /** The value of an attribute in no namespace, such as {@code rid} or {@code type}. */
    public Optional<String> attribute(String local) {
        return Optional.ofNullable(attributes.get(new QName(local)));
    }

    public Optional<String> attribute(QName qualified) {
        return Optional.ofNullable(attributes.get(qualified));
    }

    public List<XmlElement> childElements() {
        List<XmlElement> elements = new ArrayList<>(children.size());
        for (XmlNode node : children) {
            if (node instanceof XmlElement element) {
                elements.add(element);
            }
        }
        return elements;
    }

    public Optional<XmlElement> child(String namespace, String local) {
        for (XmlNode node : children) {
            if (node instanceof XmlElement element && element.is(namespace, local)) {
                return Optional.of(element);
            }
        }
        return Optional.empty();
    }

    /** The concatenated character data directly inside this element. */
    public String text() {
        StringBuilder text = new StringBuilder();
        for (XmlNode node : children) {
            if (node instanceof XmlText t) {
                text.append(t.text());
            }
        }
        return text.toString();
    }

    public XmlElement withAttribute(String local, String value) {
        return withAttribute(new QName(local), value);
    }

    public XmlElement withAttribute(QName qualified, String value) {
        Map<QName, String> copy = new LinkedHashMap<>(attributes);
        if (value == null) {
            copy.remove(qualified);
        } else {
            copy.put(qualified, value);
        }
        return new XmlElement(name, copy, children);
    }

    public XmlElement withChild(XmlNode child) {
        List<XmlNode> copy = new ArrayList<>(children);
        copy.add(child);
        return new XmlElement(name, attributes, copy);
    }

    /** A copy without the child elements that match, e.g. {@code <starttls/>} removed from stream features. */
    public XmlElement withoutChildren(Predicate<XmlElement> drop) {
        List<XmlNode> kept = new ArrayList<>(children.size());
        for (XmlNode node : children) {
            if (!(node instanceof XmlElement element && drop.test(element))) {
                kept.add(node);
            }
        }
        return new XmlElement(name, attributes, kept);
    }

    /** The same element moved into another namespace, e.g. a BOSH child without xmlns into {@code jabber:client}. */
    public XmlElement inNamespace(String namespace) {
        return new XmlElement(new QName(namespace, name.getLocalPart(), name.getPrefix()), attributes, children);
    }

    @Override
    public String toString() {
        return XmlWriter.standalone(this);
    }
}
