package org.portico.xml;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Finds where the next whole unit of an XMPP stream (RFC 6120 §4) ends in bytes as they arrive: the
 * {@code <stream:stream>} start tag (with the XML declaration before it), a first-level element with everything
 * inside it, or the {@code </stream:stream>} end tag. It does not parse: {@link XmlStreamParser} does that, and is
 * only asked for an event once the framer says the bytes of that event are all there, so a parser reading a
 * non-blocking socket never has to wait for bytes.
 *
 * <p>It scans markup bytes only: in UTF-8 the octets of {@code <}, {@code >}, quotes and the like never occur inside a
 * multi-byte character. It follows start and end tags (with {@code >} inside quoted attribute values), empty-element
 * tags, comments, CDATA sections, processing instructions and declarations, which is all that can move the element
 * depth or hide a {@code <}, and it matches each end tag's name with its start tag's, so that
 * {@code <message><body></message>} is refused when its last tag arrives, as a parser would, not left waiting for
 * bytes that never come. Whether the bytes are otherwise well-formed is the parser's business; the framer only bounds
 * how many bytes one unit may take ({@code maxUnitBytes}), so a peer that never closes an element costs bounded
 * memory.
 *
 * <p>A value that one thread owns: the stream's reader. After the server's SASL success a new document starts
 * (RFC 6120 §6.4.6), and the owner calls {@link #startDocument} right after the unit that ended the old one.
 */
public final class StreamFramer {

    /** What the unit last found is. */
    public enum Unit {
        /** The {@code <stream:stream>} start tag, with what comes before it in its document. */
        HEADER,
        /** A first-level element, whitespace before it included. */
        ELEMENT,
        /** {@code </stream:stream>}. */
        CLOSE
    }

    private enum State {
        /** Character data between tags. */
        TEXT,
        /** Just after {@code <}. */
        OPEN,
        /** Inside a start or empty-element tag, outside quotes. */
        START_TAG,
        /** Inside a quoted attribute value of a start tag. */
        QUOTED,
        /** Inside an end tag. */
        END_TAG,
        /** Just after {@code <!}: a comment, CDATA section or declaration follows. */
        BANG,
        /** Inside {@code <!-- ... -->}. */
        COMMENT,
        /** Inside {@code <![CDATA[ ... ]]>}. */
        CDATA,
        /** Inside {@code <!DOCTYPE ...>} or another declaration; ends at the first {@code >}. */
        DECLARATION,
        /** Inside {@code <? ... ?>}. */
        PROCESSING_INSTRUCTION
    }

    private final int maxUnitBytes;

    private State state = State.TEXT;
    /** Elements open: 0 before the stream header, 1 between first-level elements. */
    private int depth;
    /** Octets of the unit being scanned so far. */
    private int unitBytes;
    /** In a start tag: the quote that opened the value being read. */
    private byte quote;
    /** In a start tag: the last octet outside quotes was {@code /}, so a {@code >} now ends an empty element. */
    private boolean slash;
    /** Consecutive {@code -} (comment), {@code ]} (CDATA) or {@code ?} (processing instruction) just seen. */
    private int run;
    /** The names of the open elements, one after the other, and of the start tag being read after them. */
    private byte[] names = new byte[64];
    private int namesLength;
    /** Where each open element's name starts in {@link #names}. */
    private int[] nameStarts = new int[8];
    /** In a start tag: its name is still being read. In an end tag: how many octets of its name matched. */
    private boolean inName;
    private int matched;
    private Unit unit;

    /** @param maxUnitBytes the most octets one unit may take; the bytes scanned first start a new document */
    public StreamFramer(int maxUnitBytes) {
        if (maxUnitBytes < 1) {
            throw new IllegalArgumentException("maxUnitBytes must be positive, was " + maxUnitBytes);
        }
        this.maxUnitBytes = maxUnitBytes;
    }

    /** The bytes after the unit last found start a new document: an XML declaration and a stream header. */
    public void startDocument() {
        state = State.TEXT;
        depth = 0;
        unitBytes = 0;
        run = 0;
        slash = false;
        namesLength = 0;
    }

    /** The kind of the unit {@link #scan} found last; null before the first. */
    public Unit unit() {
        return unit;
    }

    /**
     * Whether the bytes scanned since the last unit belong to no unit: whitespace between first-level elements,
     * which the parser need not see.
     */
    public boolean betweenUnits() {
        return state == State.TEXT && depth == 1 && unitBytes == 0;
    }

    /**
     * Scans {@code bytes[from..to)}, which continue the bytes scanned before.
     *
     * @return the index just past the first unit that ends in that range, or -1 when none does (everything in the
     *         range was scanned; pass the bytes after it next)
     * @throws XmlParseException when the unit grows past {@code maxUnitBytes}, or an end tag closes more elements
     *                           than were open
     */
    public int scan(byte[] bytes, int from, int to) throws XmlParseException {
        for (int i = from; i < to; i++) {
            if (state == State.TEXT && depth == 1 && bytes[i] != '<') {
                continue; // whitespace keepalives between first-level elements belong to no unit
            }
            if (++unitBytes > maxUnitBytes) {
                throw new XmlParseException("a first-level element exceeds " + maxUnitBytes + " bytes", null);
            }
            if (step(bytes[i])) {
                unitBytes = 0;
                return i + 1;
            }
        }
        return -1;
    }

    /** Moves on by one octet. @return whether it ended a unit */
    private boolean step(byte b) throws XmlParseException {
        switch (state) {
            case TEXT -> {
                if (b == '<') {
                    state = State.OPEN;
                }
            }
            case OPEN -> {
                switch (b) {
                    case '/' -> {
                        state = State.END_TAG;
                        matched = 0;
                    }
                    case '!' -> state = State.BANG;
                    case '?' -> {
                        state = State.PROCESSING_INSTRUCTION;
                        run = 0;
                    }
                    default -> {
                        state = State.START_TAG;
                        slash = false;
                        inName = true;
                        pushName();
                        appendName(b);
                    }
                }
            }
            case START_TAG -> {
                if (inName && !endsName(b)) {
                    appendName(b);
                    return false;
                }
                inName = false;
                if (b == '"' || b == '\'') {
                    quote = b;
                    state = State.QUOTED;
                } else if (b == '>') {
                    state = State.TEXT;
                    if (slash) {
                        namesLength = nameStarts[depth]; // an empty element opens nothing
                        return found(depth == 1 ? Unit.ELEMENT : depth == 0 ? Unit.CLOSE : null); // <stream:stream/> ends at once
                    }
                    return found(++depth == 1 ? Unit.HEADER : null);
                } else {
                    slash = b == '/';
                }
            }
            case QUOTED -> {
                if (b == quote) {
                    state = State.START_TAG;
                    slash = false;
                }
            }
            case END_TAG -> {
                if (b == '>') {
                    state = State.TEXT;
                    if (depth == 0) {
                        throw new XmlParseException("an end tag with no element open", null);
                    }
                    depth--;
                    int start = nameStarts[depth];
                    if (matched != namesLength - start) {
                        throw mismatch(start);
                    }
                    namesLength = start;
                    return found(depth == 1 ? Unit.ELEMENT : depth == 0 ? Unit.CLOSE : null);
                }
                matchName(b);
            }
            case BANG -> {
                if (b == '-') {
                    state = State.COMMENT;
                    run = 0;
                } else if (b == '[') {
                    state = State.CDATA;
                    run = 0;
                } else {
                    state = b == '>' ? State.TEXT : State.DECLARATION;
                }
            }
            case COMMENT -> run = endOfRun(b, '-', State.COMMENT);
            case CDATA -> run = endOfRun(b, ']', State.CDATA);
            case PROCESSING_INSTRUCTION -> run = endOfRun(b, '?', State.PROCESSING_INSTRUCTION);
            case DECLARATION -> {
                if (b == '>') {
                    state = State.TEXT;
                }
            }
        }
        return false;
    }

    /** @return whether a unit ended here: {@code found} is its kind, or null when the octet ended none */
    private boolean found(Unit found) {
        if (found != null) {
            unit = found;
        }
        return found != null;
    }

    /** A start tag begins: its name goes after those of the open elements. */
    private void pushName() {
        if (depth == nameStarts.length) {
            nameStarts = Arrays.copyOf(nameStarts, 2 * depth);
        }
        nameStarts[depth] = namesLength;
    }

    private void appendName(byte b) {
        if (namesLength == names.length) {
            names = Arrays.copyOf(names, 2 * namesLength);
        }
        names[namesLength++] = b;
    }

    private static boolean endsName(byte b) {
        return XmlParser.isWhitespace(b) || b == '/' || b == '>';
    }

    /** An octet of an end tag: part of its name, which must be the innermost open element's, or space after it. */
    private void matchName(byte b) throws XmlParseException {
        if (depth == 0) {
            return; // reported at the '>'
        }
        int start = nameStarts[depth - 1];
        if (XmlParser.isWhitespace(b)) {
            return;
        }
        if (start + matched >= namesLength || names[start + matched] != b) {
            throw mismatch(start);
        }
        matched++;
    }

    private XmlParseException mismatch(int start) {
        return new XmlParseException("an end tag does not match the start tag <"
                + new String(names, start, namesLength - start, StandardCharsets.UTF_8) + ">", null);
    }

    /**
     * A comment ends at {@code -->}, CDATA at {@code ]]>}, a processing instruction at {@code ?>}: counts the run of
     * the closing character and leaves {@code state} at a {@code >} after enough of them.
     *
     * @return the new run length
     */
    private int endOfRun(byte b, char closing, State inside) {
        if (b == closing) {
            return run + 1;
        }
        int needed = inside == State.PROCESSING_INSTRUCTION ? 1 : 2;
        if (b == '>' && run >= needed) {
            state = State.TEXT;
        }
        return 0;
    }

    @Override
    public String toString() {
        return "StreamFramer[" + state + ", depth " + depth + ", " + unitBytes + " bytes into the unit]";
    }
}
