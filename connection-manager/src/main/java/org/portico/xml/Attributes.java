package org.portico.xml;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import javax.xml.namespace.QName;

/**
 * The attributes of an {@link XmlElement}: an immutable map in document order, two arrays and a linear search.
 *
 * <p>Why not a {@code LinkedHashMap}: elements have a handful of attributes, every relayed stanza builds several
 * elements, and each element's map was built by the parser and then copied by the element (a table, an entry per
 * attribute, an unmodifiable view: about 200 bytes for two attributes, twice). Being immutable, one instance is
 * shared as is by every element built from another's attributes (namespace moves, added children).
 */
final class Attributes extends AbstractMap<QName, String> {

    static final Attributes EMPTY = new Attributes(new QName[0], new String[0]);

    private final QName[] names;
    private final String[] values;

    private Attributes(QName[] names, String[] values) {
        this.names = names;
        this.values = values;
    }

    /** Takes the arrays over (the parser's, filled once and never written again); names are distinct. */
    static Attributes owning(QName[] names, String[] values) {
        return names.length == 0 ? EMPTY : new Attributes(names, values);
    }

    /** The attributes of any map, in its iteration order; the same instance when it already is one. */
    static Attributes of(Map<QName, String> map) {
        if (map instanceof Attributes attributes) {
            return attributes;
        }
        if (map.isEmpty()) {
            return EMPTY;
        }
        QName[] names = new QName[map.size()];
        String[] values = new String[map.size()];
        int i = 0;
        for (Map.Entry<QName, String> entry : map.entrySet()) {
            names[i] = Objects.requireNonNull(entry.getKey(), "attribute name");
            values[i++] = Objects.requireNonNull(entry.getValue(), "attribute value");
        }
        return new Attributes(names, values);
    }

    @Override
    public int size() {
        return names.length;
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public String get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : values[i];
    }

    private int indexOf(Object key) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Set<Map.Entry<QName, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<QName, String>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < names.length;
                    }

                    @Override
                    public Map.Entry<QName, String> next() {
                        if (next >= names.length) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return Map.entry(names[i], values[i]);
                    }
                };
            }

            @Override
            public int size() {
                return names.length;
            }
        };
    }
}
