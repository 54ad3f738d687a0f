package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.management.ObjectName;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.xml.XmlElement;

/**
 * RFC 6455's frames as Portico reads them, against a running Portico: a message's fragments are joined before it
 * is parsed (§5.4), a ping is answered (§5.5.2), a text message that is not UTF-8 closes the socket with 1007
 * (§8.1), a request without a handshake is told to upgrade, a socket's messages cost no class of its own, and an
 * open socket keeps nothing of its upgrade request.
 */
class WebSocketFramesEndToEndTest {

    private static final int TEXT = 0x1;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;

    @AutoClose
    private static PorticoHarness portico;

    @BeforeAll
    static void start() throws Exception {
        portico = PorticoHarness.start();
    }

    @Test
    void aMessageSentInFragmentsIsJoinedBeforeItIsParsed_RFC6455_5_4() throws Exception {
        try (WebSocketTestClient client = portico.websocketClient()) {
            client.sendInFragments(client.openFrame(), 4);

            XmlElement open = client.next(e -> WebSocketTestClient.FRAMING.equals(e.namespace()));
            assertTrue(open.is(WebSocketTestClient.FRAMING, "open"), open.toString());
        }
    }

    @Test
    void aPingIsAnsweredWithAPongCarryingItsPayload_RFC6455_5_5_2() throws Exception {
        try (RawSocket socket = new RawSocket(portico.port())) {
            byte[] payload = "are you there".getBytes(StandardCharsets.US_ASCII);
            socket.send(PING, payload);

            RawFrame pong = socket.read();
            assertEquals(PONG, pong.opcode());
            assertArrayEquals(payload, pong.payload());
        }
    }

    @Test
    void aTextMessageThatIsNotUtf8ClosesTheSocketWith1007_RFC6455_8_1() throws Exception {
        try (RawSocket socket = new RawSocket(portico.port())) {
            // "<a/>" with an overlong encoding of '/' (C0 AF), which RFC 3629 forbids
            socket.send(TEXT, new byte[] {'<', 'a', (byte) 0xC0, (byte) 0xAF, '>'});

            RawFrame close = socket.read();
            assertEquals(CLOSE, close.opcode());
            assertEquals(1007, ((close.payload()[0] & 0xFF) << 8) | (close.payload()[1] & 0xFF));
        }
    }

    @Test
    void aRequestThatIsNoHandshakeIsToldToUpgrade_RFC6455_4_2_2() throws Exception {
        HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(portico.baseUrl() + "/xmpp-websocket")).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(426, plain.statusCode());
        assertEquals("websocket", plain.headers().firstValue("Upgrade").orElse(""));
        assertTrue(plain.body().contains("RFC 7395"), plain.body());
    }

    /**
     * Each socket's messages reach Portico's endpoint without a class generated for that socket. Jetty's WebSocket
     * API called the endpoint through a method handle bound to it, which the JVM compiled into a class of its own
     * at its 127th call: 200 sockets reached it in the same second and stalled every message for up to 450 ms
     * (docs/benchmarks.md). The messages are white space only, a keepalive that RFC 7395 §3.8 tells clients not to
     * send and Portico lets pass unanswered, so they need no upstream.
     */
    @Test
    void manySocketsPastTheirHundredAndTwentySeventhMessageLoadNoNewClasses() throws Exception {
        sendKeepalives(10, 200); // the first sockets load what any socket needs
        long before = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();

        sendKeepalives(20, 200);

        long loaded = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() - before;
        assertTrue(loaded < 10, loaded + " classes loaded for 20 sockets' 4,000 messages");
    }

    /**
     * An open socket keeps nothing of its upgrade request: Jetty's WebSocket session keeps the request's context,
     * and the one Jetty's path mapping gives a request held the whole request, its HTTP/1.1 connection, parser and
     * headers, 2.9 KB a socket (docs/benchmarks.md). Counted in a class histogram, which collects garbage first.
     */
    @Test
    void anOpenSocketKeepsNoneOfItsUpgradeRequest() throws Exception {
        String connection = "org.eclipse.jetty.server.internal.HttpConnection";
        long before = liveInstances(connection);
        List<WebSocketTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                WebSocketTestClient client = portico.websocketClient();
                client.send(" ");
                clients.add(client);
            }

            long kept = liveInstances(connection) - before;
            assertTrue(kept < 5, kept + " HTTP/1.1 connections live beside 20 open WebSockets");
        } finally {
            clients.forEach(WebSocketTestClient::close);
        }
    }

    private static long liveInstances(String className) throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        for (String line : histogram.split("\n")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 4 && columns[3].equals(className)) {
                return Long.parseLong(columns[1]);
            }
        }
        return 0;
    }

    private static void sendKeepalives(int sockets, int messages) throws Exception {
        List<WebSocketTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < sockets; i++) {
                clients.add(portico.websocketClient());
            }
            for (int m = 0; m < messages; m++) {
                for (WebSocketTestClient client : clients) {
                    client.send(" ");
                }
            }
            // a <close/> after them all is answered only once every keepalive before it was read (RFC 7395 §3.6)
            for (WebSocketTestClient client : clients) {
                client.send("<close xmlns='" + WebSocketTestClient.FRAMING + "'/>");
            }
            for (WebSocketTestClient client : clients) {
                assertEquals(1000, client.awaitClosed().status());
            }
        } finally {
            clients.forEach(WebSocketTestClient::close);
        }
    }

    private record RawFrame(int opcode, byte[] payload) {
    }

    /** A client socket after a raw RFC 6455 handshake offering {@code xmpp}: masked frames out, frames in. */
    private static final class RawSocket implements AutoCloseable {
        private static final byte[] MASK = {0x37, (byte) 0xFA, 0x21, 0x3D};
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        RawSocket(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            out.write(("GET /xmpp-websocket HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: xmpp\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                head.write(in.readUnsignedByte());
            }
            assertTrue(head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101"), head.toString());
        }

        void send(int opcode, byte[] payload) throws IOException {
            ByteBuffer frame = ByteBuffer.allocate(6 + payload.length);
            frame.put((byte) (0x80 | opcode)).put((byte) (0x80 | payload.length)).put(MASK);
            for (int i = 0; i < payload.length; i++) {
                frame.put((byte) (payload[i] ^ MASK[i % 4]));
            }
            out.write(frame.array());
            out.flush();
        }

        RawFrame read() throws IOException {
            int opcode = in.readUnsignedByte() & 0x0F;
            int length = in.readUnsignedByte() & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            }
            return new RawFrame(opcode, in.readNBytes(length));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
