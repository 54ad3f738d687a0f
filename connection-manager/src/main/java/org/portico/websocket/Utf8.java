package org.portico.websocket;

/**
 * UTF-8 as WebSocket text messages carry it (RFC 6455 §5.6): the length of a message Portico sends, for the byte
 * counters and the replay buffer, without encoding it a second time; and whether a message a client sent is
 * well-formed UTF-8 (RFC 3629 §4), which RFC 6455 §8.1 requires of every text message before it is used.
 */
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

    /**
     * Whether {@code octets} are well-formed UTF-8 by RFC 3629 §4's grammar: no overlong form, no surrogate
     * (U+D800–U+DFFF), nothing above U+10FFFF, no sequence cut short. Checked on the octets themselves, since the
     * XML parser reads them as they are and a message is never decoded to a {@code String} on its way in.
     */
    static boolean wellFormed(byte[] octets) {
        int i = 0;
        int n = octets.length;
        while (i < n) {
            int b = octets[i];
            if (b >= 0) {
                i++;
                continue;
            }
            b &= 0xFF;
            int more;
            int min;
            int max = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                more = 1;
                min = 0x80;
            } else if (b >= 0xE0 && b <= 0xEF) {
                more = 2;
                min = b == 0xE0 ? 0xA0 : 0x80; // E0 80–9F would be overlong
                max = b == 0xED ? 0x9F : 0xBF; // ED A0–BF would be a surrogate
            } else if (b >= 0xF0 && b <= 0xF4) {
                more = 3;
                min = b == 0xF0 ? 0x90 : 0x80; // F0 80–8F would be overlong
                max = b == 0xF4 ? 0x8F : 0xBF; // F4 90–BF would be above U+10FFFF
            } else {
                return false; // a continuation octet first, C0/C1 (always overlong), or F5–FF
            }
            if (i + more >= n) {
                return false; // cut short
            }
            int second = octets[i + 1] & 0xFF;
            if (second < min || second > max) {
                return false;
            }
            for (int k = 2; k <= more; k++) {
                int next = octets[i + k] & 0xFF;
                if (next < 0x80 || next > 0xBF) {
                    return false;
                }
            }
            i += more + 1;
        }
        return true;
    }
}
