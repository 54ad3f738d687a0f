package org.portico.load;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One client WebSocket (RFC 6455) on a plain socket, for the load generator: the opening handshake with a
 * subprotocol (§4.1, §4.2.2), masked frames out (§5.3), and a virtual thread that reads frames, joins fragmented
 * messages (§5.4), answers pings (§5.5.2) and ends on a close (§5.5.1). Writers share the socket under its monitor,
 * one whole frame per write. With {@code offerDeflate} it also offers permessage-deflate as browsers do
 * ({@link PerMessageDeflate}): if the server accepts, what it sends is compressed and what comes back compressed is
 * inflated.
 *
 * <p>It replaced the JDK's {@code java.net.http} WebSocket client, which cost the generator 1.4–1.8 ms of CPU per
 * login against 0.6 ms for its c2s client (its handshake through the HTTP client, executor hops and futures); the
 * issue asks for clients whose cost is small and alike across transports, since the generator shares the machine's
 * two cores with what it measures (docs/benchmarks.md).
 *
 * <p>The masking keys come from {@link ThreadLocalRandom}, not a strong source: masking protects proxies from pages
 * that script a browser's socket (§10.3), which a load generator on loopback is not.
 */
final class WebSocketConnection implements AutoCloseable {

    /** What the connection tells its owner; called on the connection's reader thread. */
    interface Handler {
        void text(String message);

        void ended(String reason);
    }

    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int CONTINUATION = 0x0;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    /** Larger than any stanza of a run; a bigger message is a broken peer. */
    private static final int MAX_MESSAGE_BYTES = 1 << 20;
    private static final byte[] NORMAL_CLOSURE = {0x03, (byte) 0xE8};
    private static final int FIN = 0x80;
    /** RFC 7692 §6: on a message's first frame, "this message is compressed". */
    private static final int RSV1 = 0x40;
    private static final int RSV_BITS = 0x70;

    private final Socket socket;
    private final OutputStream out;
    private final Handler handler;
    /** The extension the server accepted; null when none was offered or the server declined it. */
    private final PerMessageDeflate deflate;
    private volatile boolean closed;

    /** Connects and completes the handshake for {@code subprotocol}, or throws. */
    WebSocketConnection(URI endpoint, String subprotocol, boolean offerDeflate, Duration timeout, Handler handler)
            throws IOException {
        this.handler = handler;
        socket = PlainSockets.connect(endpoint, timeout, timeout);
        out = socket.getOutputStream();
        DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        out.write(("GET " + PlainSockets.path(endpoint) + " HTTP/1.1\r\nHost: " + PlainSockets.authority(endpoint)
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: " + subprotocol
                + (offerDeflate ? "\r\nSec-WebSocket-Extensions: " + PerMessageDeflate.OFFER : "") + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String extensions = checkHandshake(readHead(in), key, subprotocol, endpoint);
        if (!offerDeflate && extensions != null) {
            throw new IOException("WebSocket handshake with " + endpoint + ": extensions " + extensions
                    + " accepted, none offered");
        }
        deflate = PerMessageDeflate.accepted(extensions);
        socket.setSoTimeout(0);
        Thread.ofVirtual().name("ws-reader").start(() -> read(in));
    }

    /** Whether the server accepted permessage-deflate. */
    boolean compressed() {
        return deflate != null;
    }

    /** Sends {@code message} as one text frame, compressed if the server accepted permessage-deflate. */
    void sendText(String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        if (deflate == null) {
            writeFrame(TEXT, bytes);
            return;
        }
        synchronized (socket) { // the compressor's context must follow the frames' order
            if (closed) {
                throw new IOException("the WebSocket is closed");
            }
            writeFrame(RSV1 | TEXT, deflate.compress(bytes));
        }
    }

    /** Sends a close frame (1000) if the socket still works, and closes the socket; never throws. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writeFrame(CLOSE, NORMAL_CLOSURE);
        } catch (IOException e) {
            // already gone: closing the socket is all that is left
        }
        if (deflate != null) {
            synchronized (socket) {
                deflate.endDeflater();
            }
        }
        PlainSockets.closeQuietly(socket);
    }

    private static String readHead(DataInputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the server closed the connection during the handshake");
            }
            head.write(b);
            if (head.size() > MAX_HEADER_BYTES) {
                throw new IOException("handshake response head over " + MAX_HEADER_BYTES + " bytes");
            }
            matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * §4.2.2: 101, the upgrade, the key's accept value and the subprotocol asked for; returns the
     * {@code Sec-WebSocket-Extensions} value, null if none.
     */
    private static String checkHandshake(String head, String key, String subprotocol, URI endpoint) throws IOException {
        String[] lines = head.split("\r\n");
        if (!lines[0].startsWith("HTTP/1.1 101")) {
            throw new IOException("WebSocket handshake with " + endpoint + ": " + lines[0]);
        }
        String upgrade = null;
        String accept = null;
        String protocol = null;
        String extensions = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                String value = lines[i].substring(colon + 1).trim();
                switch (lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT)) {
                    case "upgrade" -> upgrade = value;
                    case "sec-websocket-accept" -> accept = value;
                    case "sec-websocket-protocol" -> protocol = value;
                    case "sec-websocket-extensions" -> extensions = value;
                    default -> { }
                }
            }
        }
        if (!"websocket".equalsIgnoreCase(upgrade) || !acceptFor(key).equals(accept)
                || !subprotocol.equals(protocol)) {
            throw new IOException("WebSocket handshake with " + endpoint + ": upgrade " + upgrade + ", accept "
                    + accept + ", subprotocol " + protocol);
        }
        return extensions;
    }

    static String acceptFor(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    private void read(DataInputStream in) {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        boolean compressed = false;
        try {
            while (true) {
                int first = in.read();
                if (first < 0) {
                    end("the server closed the connection");
                    return;
                }
                int second = in.readUnsignedByte();
                int opcode = first & 0x0F;
                int rsv = first & RSV_BITS;
                boolean firstOfMessage = opcode == TEXT || opcode == BINARY;
                if (rsv != 0 && (deflate == null || rsv != RSV1 || !firstOfMessage)) {
                    end("reserved bits " + Integer.toHexString(rsv) + " on opcode " + opcode
                            + " that no extension in use defines (RFC 6455 §5.2, RFC 7692 §6)");
                    return;
                }
                if (firstOfMessage) {
                    compressed = rsv == RSV1;
                }
                long length = second & 0x7F;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                if ((second & 0x80) != 0 || length < 0 || length > MAX_MESSAGE_BYTES) {
                    end("a frame no server sends: masked, or " + length + " bytes");
                    return;
                }
                byte[] payload = in.readNBytes((int) length);
                if (payload.length < length) {
                    end("the server closed the connection inside a frame");
                    return;
                }
                switch (opcode) {
                    case TEXT, BINARY, CONTINUATION -> {
                        message.write(payload);
                        if ((first & FIN) != 0) {
                            byte[] whole = compressed ? deflate.inflate(message.toByteArray(), MAX_MESSAGE_BYTES)
                                    : message.toByteArray();
                            handler.text(new String(whole, StandardCharsets.UTF_8));
                            message.reset();
                        }
                    }
                    case PING -> writeFrame(PONG, payload);
                    case PONG -> { }
                    case CLOSE -> {
                        int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
                        end("WebSocket closed by the server" + (code < 0 ? "" : ": " + code));
                        close();
                        return;
                    }
                    default -> {
                        end("unknown WebSocket opcode " + opcode);
                        return;
                    }
                }
            }
        } catch (IOException e) {
            end("read: " + e.getMessage());
        } finally {
            if (deflate != null) {
                deflate.endInflater();
            }
        }
    }

    private void end(String reason) {
        if (!closed) {
            handler.ended(reason);
        }
    }

    /** One whole frame, masked (§5.3), in one write; {@code bits} are the opcode and any reserved bit. */
    private void writeFrame(int bits, byte[] payload) throws IOException {
        int length = payload.length;
        int headerLength = length < 126 ? 6 : length < 65536 ? 8 : 14;
        byte[] frame = new byte[headerLength + length];
        frame[0] = (byte) (FIN | bits);
        if (length < 126) {
            frame[1] = (byte) (0x80 | length);
        } else if (length < 65536) {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (length >>> 8);
            frame[3] = (byte) length;
        } else {
            frame[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) length >>> (56 - 8 * i));
            }
        }
        int mask = ThreadLocalRandom.current().nextInt();
        for (int i = 0; i < 4; i++) {
            frame[headerLength - 4 + i] = (byte) (mask >>> (24 - 8 * i));
        }
        for (int i = 0; i < length; i++) {
            frame[headerLength + i] = (byte) (payload[i] ^ frame[headerLength - 4 + (i & 3)]);
        }
        synchronized (socket) {
            out.write(frame);
            out.flush();
        }
    }
}
