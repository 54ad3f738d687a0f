package org.portico.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The client's side of permessage-deflate (RFC 7692) as browsers use it: the offer Chrome and Firefox send (§7.1,
 * {@code client_max_window_bits} without a value), the server's answer read (§5.1), each text message the client
 * sends compressed (§7.2.1) and each compressed message it receives inflated (§7.2.2), the context carried from one
 * message to the next unless the answer says a side resets it (§7.1.1).
 *
 * <p>Why the generator has it: every browser offers it, so a server that accepts it keeps a compressor and a
 * decompressor for each socket and runs both on each message. A generator that does not offer it measures a server
 * that browsers never meet (docs/benchmarks.md).
 *
 * <p>Owners: the deflater belongs to the connection's writers (under the socket's monitor), the inflater to its
 * reader thread.
 */
final class PerMessageDeflate {

    static final String NAME = "permessage-deflate";
    /** What Chrome and Firefox put in {@code Sec-WebSocket-Extensions}. */
    static final String OFFER = NAME + "; client_max_window_bits";

    /** §7.2.1: a message's compressed bytes end with this, and it is left off the frame. */
    private static final byte[] TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};
    /** {@link Deflater} always uses the largest LZ77 window, 2^15 bytes. */
    private static final int JDK_WINDOW_BITS = 15;

    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    private final Inflater inflater = new Inflater(true);
    private final boolean clientResets;
    private final boolean serverResets;
    private final byte[] buffer = new byte[4096];
    private final byte[] inflateBuffer = new byte[4096];

    private PerMessageDeflate(boolean clientResets, boolean serverResets) {
        this.clientResets = clientResets;
        this.serverResets = serverResets;
    }

    /**
     * The extension the server's {@code Sec-WebSocket-Extensions} value accepted, or null if it names none. Throws if
     * it names an extension that was not offered (RFC 6455 §9.1) or a parameter this client cannot honour.
     */
    static PerMessageDeflate accepted(String header) throws IOException {
        if (header == null || header.isBlank()) {
            return null;
        }
        if (header.contains(",")) {
            throw new IOException("the server accepted more than the one extension offered: " + header);
        }
        String[] parts = header.split(";");
        if (!parts[0].trim().equalsIgnoreCase(NAME)) {
            throw new IOException("the server accepted an extension that was not offered: " + header);
        }
        boolean clientResets = false;
        boolean serverResets = false;
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].trim().split("=", 2);
            String value = parameter.length == 2 ? parameter[1].trim().replace("\"", "") : null;
            switch (parameter[0].trim().toLowerCase(Locale.ROOT)) {
                case "client_no_context_takeover" -> clientResets = true;
                case "server_no_context_takeover" -> serverResets = true;
                case "server_max_window_bits" -> { } // the inflater reads any window up to 2^15
                case "client_max_window_bits" -> {
                    if (value != null && Integer.parseInt(value) < JDK_WINDOW_BITS) {
                        throw new IOException("the server asks for a window of 2^" + value
                                + " bytes; the JDK's deflater has only 2^15: " + header);
                    }
                }
                default -> throw new IOException("unknown permessage-deflate parameter in " + header);
            }
        }
        return new PerMessageDeflate(clientResets, serverResets);
    }

    /** A message's payload as it goes in its frames, RSV1 set (§7.2.1). */
    byte[] compress(byte[] message) {
        deflater.setInput(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length / 2 + 16);
        int written;
        do {
            written = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
            out.write(buffer, 0, written);
        } while (written == buffer.length);
        if (clientResets) {
            deflater.reset();
        }
        byte[] compressed = out.toByteArray();
        return Arrays.copyOf(compressed, compressed.length - TAIL.length);
    }

    /** The message a compressed payload stands for (§7.2.2); at most {@code maxBytes} of it. */
    byte[] inflate(byte[] payload, int maxBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length * 3 + 16);
        try {
            inflateInto(payload, out, maxBytes);
            inflateInto(TAIL, out, maxBytes);
        } catch (DataFormatException e) {
            throw new IOException("a compressed message that does not inflate: " + e.getMessage(), e);
        }
        if (serverResets) {
            inflater.reset();
        }
        return out.toByteArray();
    }

    private void inflateInto(byte[] input, ByteArrayOutputStream out, int maxBytes)
            throws DataFormatException, IOException {
        inflater.setInput(input);
        while (!inflater.needsInput() && !inflater.finished()) {
            out.write(inflateBuffer, 0, inflater.inflate(inflateBuffer));
            if (out.size() > maxBytes) {
                throw new IOException("a compressed message of more than " + maxBytes + " bytes");
            }
        }
    }

    /** Frees the deflater's native memory; called by the writer's side, under the socket's monitor, at the close. */
    void endDeflater() {
        deflater.end();
    }

    /** Frees the inflater's native memory; called by the reader thread as it ends. */
    void endInflater() {
        inflater.end();
    }
}
