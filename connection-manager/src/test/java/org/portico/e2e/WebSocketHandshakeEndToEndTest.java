package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.portico.session.SessionLog;
import org.portico.testing.LocalProsody;
import org.portico.testing.LogCapture;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.websocket.WebSocketConfig;
import org.portico.xml.XmlLimits;

/**
 * The WebSocket handshake and the WebSocket-level rules, against a running Portico: the xmpp subprotocol (R83),
 * origins, text only (R84), size limits, permessage-deflate, and host-meta discovery (R97).
 */
class WebSocketHandshakeEndToEndTest {

    /** What Chrome and Firefox send. */
    private static final String BROWSER_OFFER = "permessage-deflate; client_max_window_bits";

    @AutoClose
    private static PorticoHarness portico;

    @BeforeAll
    static void start() throws Exception {
        portico = PorticoHarness.start();
    }

    /** What a raw HTTP/1.1 upgrade request got back: status line, headers (lower-case names), body. */
    private record RawResponse(int status, Map<String, String> headers, String body) {
    }

    private static RawResponse rawHandshake(int port, String path, String... extraHeaders) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
            for (String header : extraHeaders) {
                request.append(header).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            String[] lines = head.split("\r\n");
            Map<String, String> headers = new java.util.HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            String body = "";
            if (headers.containsKey("content-length")) {
                body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))),
                        StandardCharsets.UTF_8);
            }
            return new RawResponse(status, headers, body);
        }
    }

    private static String readHead(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void aHandshakeWithoutTheXmppSubprotocolIsRefusedWithAReadableReason_R83() throws Exception {
        RawResponse none = rawHandshake(portico.port(), "/xmpp-websocket");
        RawResponse other = rawHandshake(portico.port(), "/xmpp-websocket", "Sec-WebSocket-Protocol: chat");

        assertEquals(400, none.status());
        assertTrue(none.body().contains("subprotocol xmpp is required"), none.body());
        assertEquals(400, other.status());
    }

    @Test
    void theXmppSubprotocolIsEchoed_R83() throws Exception {
        RawResponse accepted = rawHandshake(portico.port(), "/xmpp-websocket", "Sec-WebSocket-Protocol: chat, xmpp");

        assertEquals(101, accepted.status());
        assertEquals("xmpp", accepted.headers().get("sec-websocket-protocol"));
    }

    @Test
    void pagesFromOriginsNotAllowedAreRefusedWith403() throws Exception {
        RawResponse refused = rawHandshake(portico.port(), "/xmpp-websocket", "Sec-WebSocket-Protocol: xmpp",
                "Origin: http://evil.example");

        assertEquals(403, refused.status());
    }

    @Test
    void allowedAndSameOriginPagesAndNonBrowserClientsGetIn() throws Exception {
        for (String origin : List.of("Origin: http://allowed.example", "Origin: http://127.0.0.1:" + portico.port(),
                "X-No-Origin: non-browser client")) {
            RawResponse accepted = rawHandshake(portico.port(), "/xmpp-websocket", "Sec-WebSocket-Protocol: xmpp",
                    origin);

            assertEquals(101, accepted.status(), origin);
        }
    }

    @Test
    void aBinaryMessageClosesTheSocketWith1003_R84() throws Exception {
        try (WebSocketTestClient client = portico.websocketClient()) {
            client.sendBinary(new byte[] {'<', 'a', '/', '>'});

            assertEquals(1003, client.awaitClosed().status());
        }
    }

    /** Issue 9: a line about a socket names its client; once the socket opened a stream, the session too. */
    @Test
    void everyLineAboutASocketNamesItsClientAndOnceItHasOneItsSession() throws Exception {
        try (LogCapture logs = LogCapture.start(); WebSocketTestClient client = portico.websocketClient()) {
            client.openStream();
            String sid = client.token().substring(0, client.token().indexOf('.'));
            client.sendBinary(new byte[] {'<', 'a', '/', '>'});
            assertEquals(1003, client.awaitClosed().status());
            assertEquals(400, rawHandshake(portico.port(), "/xmpp-websocket").status());

            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (lines(logs).size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the session's last line follows the close on Portico's side
            }
            List<ILoggingEvent> lines = lines(logs);
            assertEquals(4, lines.size(), "created, binary, protocol violation, handshake refused: " + lines);
            for (ILoggingEvent line : lines) {
                Map<String, String> mdc = line.getMDCPropertyMap();
                assertEquals("127.0.0.1", mdc.get(SessionLog.CLIENT), line.getFormattedMessage());
                boolean handshake = line.getFormattedMessage().startsWith("WebSocket handshake refused");
                assertEquals(handshake ? null : sid, mdc.get(SessionLog.SID), line.getFormattedMessage());
            }
        }
    }

    private static List<ILoggingEvent> lines(LogCapture logs) {
        return logs.events().stream().filter(LogCapture.infoOrAbove("org.portico.websocket")).toList();
    }

    @Test
    void aMessageAboveTheLimitClosesTheSocketWith1009() throws Exception {
        try (WebSocketTestClient client = portico.websocketClient()) {
            client.openStream();
            String huge = "<message xmlns='jabber:client'><body>" + "x".repeat(XmlLimits.DEFAULT.maxBytes())
                    + "</body></message>";
            try {
                client.send(huge);
            } catch (RuntimeException e) {
                // the server may close before the whole message is written
            }

            assertEquals(1009, client.awaitClosed().status());
        }
    }

    @Test
    void aBrowsersOfferOfPermessageDeflateIsDeclinedByDefault() throws Exception {
        RawResponse off = rawHandshake(portico.port(), "/xmpp-websocket", "Sec-WebSocket-Protocol: xmpp",
                "Sec-WebSocket-Extensions: " + BROWSER_OFFER);

        assertEquals(101, off.status());
        assertFalse(off.headers().containsKey("sec-websocket-extensions"), off.headers().toString());
    }

    /**
     * RFC 7692 §6 and §7.2 with the context carried over, as browsers use it: the client's compressed
     * {@code <open/>} reaches the server, and the server's answer and features come back compressed.
     */
    @Test
    void whenEnabledPermessageDeflateCompressesBothWaysEndToEnd_Rfc7692() throws Exception {
        WebSocketConfig deflate = WebSocketConfig.DEFAULT.toBuilder().permessageDeflate(true).build();
        try (PorticoHarness compressing = PorticoHarness.start(config -> config.withWebSocket(deflate));
                Socket socket = new Socket("127.0.0.1", compressing.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /xmpp-websocket HTTP/1.1\r\nHost: 127.0.0.1:" + compressing.port()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: xmpp\r\n"
                    + "Sec-WebSocket-Extensions: " + BROWSER_OFFER + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            assertTrue(head.toLowerCase(Locale.ROOT).contains("\r\nsec-websocket-extensions: permessage-deflate"),
                    head);

            Deflater compressor = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            Inflater inflater = new Inflater(true);
            byte[] open = ("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='" + LocalProsody.DOMAIN
                    + "' version='1.0'/>").getBytes(StandardCharsets.UTF_8);
            out.write(maskedCompressedTextFrame(compressor, open));

            String answer = inflateNextMessage(in, inflater);
            assertTrue(answer.startsWith("<open ") && answer.contains("urn:ietf:params:xml:ns:xmpp-framing"), answer);
            String features = inflateNextMessage(in, inflater);
            assertTrue(features.contains("features") && features.contains("mechanism"),
                    "the server's features, inflated with the window of the answer before: " + features);
            compressor.end();
            inflater.end();
        }
    }

    /** A final text frame with RSV1 (RFC 7692 §6), compressed with the tail left off (§7.2.1), masked. */
    private static byte[] maskedCompressedTextFrame(Deflater compressor, byte[] message) {
        compressor.setInput(message);
        byte[] compressed = new byte[message.length + 64];
        int length = compressor.deflate(compressed, 0, compressed.length, Deflater.SYNC_FLUSH) - 4;
        assertTrue(length < 126, "one short frame");
        byte[] frame = new byte[6 + length];
        frame[0] = (byte) 0xC1;
        frame[1] = (byte) (0x80 | length);
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < length; i++) {
            frame[6 + i] = (byte) (compressed[i] ^ mask[i & 3]);
        }
        return frame;
    }

    /** The next message from the server, which must be one compressed text frame. */
    private static String inflateNextMessage(DataInputStream in, Inflater inflater) throws Exception {
        int first = in.readUnsignedByte();
        assertEquals(0xC1, first, "FIN, RSV1 (compressed), text");
        int length = in.readUnsignedByte();
        length = length == 126 ? in.readUnsignedShort() : length;
        byte[] payload = new byte[length + 4];
        in.readFully(payload, 0, length);
        payload[length + 2] = (byte) 0xFF; // §7.2.2: the tail 00 00 FF FF put back
        payload[length + 3] = (byte) 0xFF;
        inflater.setInput(payload);
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (!inflater.needsInput()) {
            message.write(buffer, 0, inflater.inflate(buffer));
        }
        return message.toString(StandardCharsets.UTF_8);
    }

    @Test
    void hostMetaAdvertisesTheWebSocketEndpoint_R97() throws Exception {
        HttpResponse<String> xrd = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + portico.port() + "/.well-known/host-meta")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertTrue(xrd.body().contains("rel=\"urn:xmpp:alt-connections:websocket\" href=\"ws://127.0.0.1:"
                + portico.port() + "/xmpp-websocket\""), xrd.body());
    }
}
