package org.portico.websocket;

/** The UTF-8 length of a WebSocket text message, for the byte counters, without encoding it a second time. */
final class Utf8 {

    private Utf8() {
    }

    /** How many octets {@code text} takes in UTF-8 (RFC 3629); an unpaired surrogate counts as Java writes it, 1. */
    static long length(CharSequence text) {
        long octets = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                octets++;
            } else if (c < 0x800) {
                octets += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                octets += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                octets++;
            } else {
                octets += 3;
            }
        }
        return octets;
    }
}
