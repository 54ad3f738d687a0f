package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The load generator's own WebSocket client (RFC 6455) against a scripted server on loopback: the handshake it
 * sends and the answers it refuses (§4.1, §4.2.2), masked frames out (§5.3), fragmented messages joined (§5.4),
 * pings answered (§5.5.2) and a close reported and echoed (§5.5.1).
 */
@Timeout(30)
class WebSocketConnectionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** RFC 6455 §1.3's example: the accept value for this key. */
    private static final String RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final WebSocketConnection.Handler handler = new WebSocketConnection.Handler() {
        @Override
        public void text(String message) {
            events.add("text " + message);
        }

        @Override
        public void ended(String reason) {
            events.add("ended " + reason);
        }
    };

    @Test
    void theAcceptValueIsTheOneOfRfc6455Section1_3() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketConnection.acceptFor(RFC_KEY));
    }

    @Test
    void sendsMaskedFramesJoinsFragmentsAnswersPingsAndReportsTheClose() throws Exception {
        try (Scripted server = new Scripted(false)) {
            String request = readHead(server.in);
            assertTrue(request.startsWith("GET /xmpp-websocket HTTP/1.1\r\n"), request);
            assertTrue(request.contains("\r\nUpgrade: websocket\r\n"), request);
            assertTrue(request.contains("\r\nSec-WebSocket-Version: 13\r\n"), request);
            assertTrue(request.contains("\r\nSec-WebSocket-Protocol: xmpp\r\n"), request);
            accept(server.out, request, "xmpp");
            WebSocketConnection connection = server.connecting.get(10, TimeUnit.SECONDS);

            String open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>";
            connection.sendText(open);
            assertEquals("text 1 " + open, readClientFrame(server.in), "a masked, final text frame");

            String long_ = "<message>" + "\u00e9".repeat(200) + "</message>";
            byte[] bytes = long_.getBytes(StandardCharsets.UTF_8);
            int cut = 100; // inside a two-byte character: only the joined message decodes
            server.out.write(serverFrame(false, 0x1, Arrays.copyOfRange(bytes, 0, cut)));
            server.out.write(serverFrame(true, 0x0, Arrays.copyOfRange(bytes, cut, bytes.length)));
            assertEquals("text " + long_, next(), "two fragments, the second with a 16-bit length");

            server.out.write(serverFrame(true, 0x9, "p1".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("text 10 p1", readClientFrame(server.in), "the ping's payload, in a masked pong");

            server.out.write(serverFrame(true, 0x8, new byte[] {0x03, (byte) 0xE9}));
            assertEquals("ended WebSocket closed by the server: 1001", next());
            assertEquals("text 8 \u0003\u00e8", readClientFrame(server.in), "the close echoed with 1000");
        }
    }

    @Test
    void offersPermessageDeflateAsBrowsersDoAndCompressesBothWaysWhenAccepted_Rfc7692() throws Exception {
        try (Scripted server = new Scripted(true)) {
            String request = readHead(server.in);
            assertTrue(request.contains(
                    "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"), request);
            accept(server.out, request, "xmpp", "permessage-deflate");
            WebSocketConnection connection = server.connecting.get(10, TimeUnit.SECONDS);
            assertTrue(connection.compressed());

            PerMessageDeflate serverSide = PerMessageDeflate.accepted("permessage-deflate");
            String message = "<message to='a@localhost'><body>one</body></message>";
            connection.sendText(message);
            connection.sendText(message);
            byte[][] firstFrame = readClientFrameBytes(server.in);
            byte[][] secondFrame = readClientFrameBytes(server.in);
            assertEquals(0xC1, firstFrame[0][0] & 0xFF, "FIN, RSV1 (compressed, RFC 7692 §6), text");
            assertEquals(message, new String(serverSide.inflate(firstFrame[1], 1000), StandardCharsets.UTF_8));
            assertEquals(message, new String(serverSide.inflate(secondFrame[1], 1000), StandardCharsets.UTF_8));
            assertTrue(secondFrame[1].length < firstFrame[1].length / 2,
                    "the second refers to the first: " + secondFrame[1].length + " bytes");

            String reply = "<message from='a@localhost'><body>two</body></message>";
            server.out.write(serverFrame(0xC1, serverSide.compress(reply.getBytes(StandardCharsets.UTF_8))));
            server.out.write(serverFrame(0xC1, serverSide.compress(reply.getBytes(StandardCharsets.UTF_8))));
            server.out.write(serverFrame(true, 0x1, "plain".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("text " + reply, next());
            assertEquals("text " + reply, next(), "inflated with the first reply's window");
            assertEquals("text plain", next(), "a message without RSV1 is not compressed (§6)");
        }
    }

    @Test
    void aServerThatDeclinesTheOfferGetsPlainFrames() throws Exception {
        try (Scripted server = new Scripted(true)) {
            accept(server.out, readHead(server.in), "xmpp");
            WebSocketConnection connection = server.connecting.get(10, TimeUnit.SECONDS);
            assertFalse(connection.compressed());
            connection.sendText("<presence/>");
            assertEquals("text 1 <presence/>", readClientFrame(server.in), "RSV1 clear, the text as it is");
            server.out.write(serverFrame(0xC1, "<presence/>".getBytes(StandardCharsets.US_ASCII)));
            assertTrue(next().startsWith("ended reserved bits 40"), "RSV1 means nothing without the extension");
        }
    }

    @Test
    void anExtensionAcceptedThatWasNotOfferedFailsTheHandshake_Rfc6455Section4_1() throws Exception {
        try (Scripted server = new Scripted(false)) {
            accept(server.out, readHead(server.in), "xmpp", "permessage-deflate");
            Exception e = assertThrows(Exception.class, () -> server.connecting.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("extensions permessage-deflate accepted, none offered"),
                    e.getCause().getMessage());
        }
    }

    @Test
    void aHandshakeWithAWrongAcceptValueIsRefused() throws Exception {
        IOException refused = refusedHandshake(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n");
        assertTrue(refused.getMessage().contains("accept s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), refused.getMessage());
    }

    @Test
    void aHandshakeWithoutTheSubprotocolIsRefused() throws Exception {
        try (Scripted server = new Scripted(false)) {
            accept(server.out, readHead(server.in), null);
            Exception e = assertThrows(Exception.class, () -> server.connecting.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("subprotocol null"), e.getCause().getMessage());
        }
    }

    private IOException refusedHandshake(String response) throws Exception {
        try (Scripted server = new Scripted(false)) {
            readHead(server.in);
            server.out.write(response.getBytes(StandardCharsets.US_ASCII));
            Exception e = assertThrows(Exception.class, () -> server.connecting.get(10, TimeUnit.SECONDS));
            return (IOException) e.getCause();
        }
    }

    /**
     * One client connection ({@code offerDeflate} as given) to a server socket of the test's, accepted, whose server
     * side the test plays; the client's handshake request is not read yet.
     */
    private final class Scripted implements AutoCloseable {
        final CompletableFuture<WebSocketConnection> connecting;
        final DataInputStream in;
        final OutputStream out;
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final Socket accepted;

        Scripted(boolean offerDeflate) throws IOException {
            try {
                connecting = connect(server, offerDeflate);
                accepted = server.accept();
                accepted.setSoTimeout((int) TIMEOUT.toMillis());
                in = new DataInputStream(accepted.getInputStream());
                out = accepted.getOutputStream();
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try (server) {
                accepted.close();
            }
        }
    }

    private CompletableFuture<WebSocketConnection> connect(ServerSocket server, boolean offerDeflate) {
        URI uri = URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/xmpp-websocket");
        CompletableFuture<WebSocketConnection> connecting = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                connecting.complete(new WebSocketConnection(uri, "xmpp", offerDeflate, TIMEOUT, handler));
            } catch (IOException e) {
                connecting.completeExceptionally(e);
            }
        });
        return connecting;
    }

    /** A 101 with the right accept value for the request's key, and {@code protocol} if not null. */
    private static void accept(OutputStream out, String request, String protocol) throws IOException {
        accept(out, request, protocol, null);
    }

    private static void accept(OutputStream out, String request, String protocol, String extensions)
            throws IOException {
        String key = request.lines().filter(l -> l.startsWith("Sec-WebSocket-Key: ")).findFirst().orElseThrow()
                .substring("Sec-WebSocket-Key: ".length());
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + WebSocketConnection.acceptFor(key) + "\r\n"
                + (protocol == null ? "" : "Sec-WebSocket-Protocol: " + protocol + "\r\n")
                + (extensions == null ? "" : "Sec-WebSocket-Extensions: " + extensions + "\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the head ended");
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** "text OPCODE PAYLOAD" of a frame the client sent, checked to be final and masked. */
    private static String readClientFrame(DataInputStream in) throws IOException {
        byte[][] frame = readClientFrameBytes(in);
        int first = frame[0][0];
        byte[] payload = frame[1];
        String text = (first & 0x0F) == 0x1 ? new String(payload, StandardCharsets.UTF_8)
                : new String(payload, StandardCharsets.ISO_8859_1);
        return "text " + (first & 0x0F) + " " + text;
    }

    /** The first byte and the unmasked payload of a frame the client sent, checked to be final and masked. */
    private static byte[][] readClientFrameBytes(DataInputStream in) throws IOException {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        assertEquals(0x80, first & 0x80, "final");
        assertEquals(0x80, second & 0x80, "masked (RFC 6455 §5.3)");
        int length = second & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        }
        byte[] mask = in.readNBytes(4);
        byte[] payload = in.readNBytes(length);
        for (int i = 0; i < payload.length; i++) {
            payload[i] ^= mask[i & 3];
        }
        return new byte[][] {{(byte) first}, payload};
    }

    private static byte[] serverFrame(boolean fin, int opcode, byte[] payload) {
        return serverFrame((fin ? 0x80 : 0) | opcode, payload);
    }

    private static byte[] serverFrame(int firstByte, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(firstByte);
        if (payload.length < 126) {
            frame.write(payload.length);
        } else {
            frame.write(126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        }
        frame.writeBytes(payload);
        return frame.toByteArray();
    }

    private String next() throws InterruptedException {
        String event = events.poll(10, TimeUnit.SECONDS);
        assertTrue(event != null, "nothing reported within 10 s");
        return event;
    }
}
