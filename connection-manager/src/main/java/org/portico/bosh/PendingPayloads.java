package org.portico.bosh;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlNode;
import org.portico.xml.XmlText;

/**
 * What the upstream sent that no response has carried yet, in arrival order: each stream's payloads, and the end of
 * one stream of several (§16.6). Counts its bytes so a client that stops polling cannot make it grow without bound.
 *
 * <p>Owned by the lock of the {@link BoshSession} it belongs to; no I/O.
 */
final class PendingPayloads {

    /** One stream's payload, or (with a condition) the end of that stream carrying its stream error, if any. */
    record Item(String stream, XmlElement element, int bytes, BoshCondition streamEnd) {
    }

    private final ArrayDeque<Item> items = new ArrayDeque<>();
    private int bytes;

    /** Queues a payload; returns the bytes now pending. */
    int add(String stream, XmlElement element) {
        int size = size(element);
        items.add(new Item(stream, element, size, null));
        bytes += size;
        return bytes;
    }

    /**
     * Puts a run of one stream's payloads back in front, in their order: a response carrying them never reached its
     * client (the write failed, or the client had closed the connection).
     */
    void putBack(String stream, List<XmlElement> run) {
        for (int i = run.size() - 1; i >= 0; i--) {
            XmlElement element = run.get(i);
            int size = size(element);
            items.addFirst(new Item(stream, element, size, null));
            bytes += size;
        }
    }

    /**
     * About the characters of the element's serialization: names, attribute values, text and namespaces, without
     * escapes. Only the bound on pending data needs it, and serializing every stanza once more just to count it
     * cost as much as writing it into its response.
     */
    static int size(XmlElement element) {
        int size = 2 * element.localName().length() + 5 + element.namespace().length();
        for (Map.Entry<QName, String> attribute : element.attributes().entrySet()) {
            size += attribute.getKey().getLocalPart().length() + attribute.getValue().length() + 4;
        }
        for (XmlNode child : element.children()) {
            size += switch (child) {
                case XmlElement childElement -> size(childElement);
                case XmlText text -> text.text().length();
            };
        }
        return size;
    }

    void addStreamEnd(String stream, XmlElement streamError, BoshCondition condition) {
        items.add(new Item(stream, streamError, 0, condition));
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    Item peek() {
        return items.peek();
    }

    /** Whether the next item ends a stream rather than carrying a payload. */
    boolean nextIsStreamEnd() {
        return !items.isEmpty() && items.peek().streamEnd() != null;
    }

    Item pollStreamEnd() {
        return items.poll();
    }

    /** Removes the leading run of payloads that belong to {@code stream} (§16.4: one stream per body). */
    List<XmlElement> takeRun(String stream) {
        List<XmlElement> run = new ArrayList<>();
        while (!items.isEmpty() && items.peek().stream().equals(stream) && items.peek().streamEnd() == null) {
            Item next = items.poll();
            bytes -= next.bytes();
            run.add(next.element());
        }
        return run;
    }

    /** Removes every payload of one stream ({@code null}: of all streams), e.g. to bounce them (XEP-0206 §7). */
    List<XmlElement> takeAll(String stream) {
        List<XmlElement> taken = new ArrayList<>();
        items.removeIf(item -> {
            if (stream != null && !stream.equals(item.stream())) {
                return false;
            }
            if (item.streamEnd() == null) {
                taken.add(item.element());
                bytes -= item.bytes();
            }
            return true;
        });
        return taken;
    }

    int size() {
        return items.size();
    }

    @Override
    public String toString() {
        return items.size() + " pending (" + bytes + " bytes)";
    }
}
