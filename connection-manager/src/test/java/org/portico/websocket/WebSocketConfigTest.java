package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.server.PorticoConfig;

/** websocket.* and http.shutdownRedirect: read from the properties file, validated with readable messages. */
class WebSocketConfigTest {

    private static final WebSocketConfig D = WebSocketConfig.DEFAULT;

    private static WebSocketConfig with(String key, String value) {
        return switch (key) {
            case "path" -> D.toBuilder().path(value).build();
            case "maxMessageBytes" ->
                    D.toBuilder().maxMessageBytes(Integer.parseInt(value)).maxFrameBytes(1024).build();
            case "maxFrameBytes" -> D.toBuilder().maxFrameBytes(Integer.parseInt(value)).build();
            case "pingInterval" -> D.withPing(Duration.parse(value), D.idleTimeout());
            case "idleTimeout" -> D.withPing(Duration.ZERO, Duration.parse(value));
            case "resumeGrace" -> D.withResumeGrace(Duration.parse(value));
            case "maxBufferedElements" -> D.withBuffer(Integer.parseInt(value), D.maxBufferedBytes());
            case "maxBufferedBytes" -> D.withBuffer(D.maxBufferedElements(), Integer.parseInt(value));
            case "inputBufferBytes" -> D.toBuilder().inputBufferBytes(Integer.parseInt(value)).build();
            default -> throw new IllegalArgumentException(key);
        };
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "path, xmpp-websocket, websocket.path",
            "path, /, websocket.path",
            "maxMessageBytes, 1000, websocket.maxMessageBytes",
            "maxFrameBytes, 300000, websocket.maxFrameBytes",
            "pingInterval, PT75S, websocket.pingInterval",
            "pingInterval, PT-1S, websocket.pingInterval",
            "idleTimeout, PT0.5S, websocket.idleTimeout",
            "resumeGrace, PT-1S, websocket.resumeGrace",
            "maxBufferedElements, 0, websocket.maxBufferedElements",
            "maxBufferedBytes, 100, websocket.maxBufferedBytes",
            "inputBufferBytes, 255, websocket.inputBufferBytes"})
    void invalidValuesAreRefusedNamingTheKey(String key, String value, String named) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with(key, value));

        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void theDefaultsAreThoseDocumented() {
        assertEquals("/xmpp-websocket", D.path());
        assertEquals(Duration.ofSeconds(50), D.pingInterval());
        assertEquals(Duration.ofSeconds(75), D.idleTimeout());
        assertEquals(Duration.ofSeconds(120), D.resumeGrace());
        assertFalse(D.permessageDeflate(), "off unless asked: it costs each socket a compressor and more");
        assertTrue(D.resumable());
        assertFalse(D.redirectToBosh());
        assertEquals(1024, D.inputBufferBytes());
        assertFalse(D.withResumeGrace(Duration.ZERO).resumable());
    }

    @Test
    void aBuilderStartsFromTheDefaultsOrFromAGivenConfigurationAndChangesOnlyWhatItIsTold() {
        assertEquals(D, WebSocketConfig.builder().build());
        WebSocketConfig changed = D.toBuilder().path("/ws").maxQueuedFrames(64).build();

        assertEquals(changed, changed.toBuilder().build());
        assertEquals("/ws", changed.path());
        assertEquals(64, changed.maxQueuedFrames());
        assertEquals(D.maxBufferedElements(), changed.maxBufferedElements());
        assertEquals(D.resumeGrace(), changed.resumeGrace());
    }

    private static PorticoConfig load(Path dir, String properties) throws Exception {
        Path file = dir.resolve("portico.properties");
        Files.writeString(file, "upstream.domain.localhost = 127.0.0.1:5222 required\n" + properties);
        return PorticoConfig.load(file, Map.of());
    }

    @Test
    void keysAreReadFromTheFileWithTheMessageLimitsDefaultingToXmlMaxBytes(@TempDir Path dir) throws Exception {
        PorticoConfig config = load(dir, """
                xml.maxBytes = 65536
                websocket.path = /ws
                websocket.pingInterval = 10s
                websocket.idleTimeout = 30s
                websocket.permessageDeflate = true
                websocket.resumeGrace = 5m
                websocket.maxBufferedElements = 50
                websocket.maxBufferedBytes = 65536
                websocket.maxQueuedFrames = 64
                websocket.redirectToBosh = true
                websocket.inputBufferBytes = 2048
                http.shutdownRedirect = https://chat2.example/
                """);

        WebSocketConfig w = config.websocket();
        assertEquals("/ws", w.path());
        assertEquals(65536, w.maxMessageBytes());
        assertEquals(65536, w.maxFrameBytes());
        assertEquals(Duration.ofSeconds(10), w.pingInterval());
        assertEquals(Duration.ofSeconds(30), w.idleTimeout());
        assertTrue(w.permessageDeflate());
        assertEquals(Duration.ofMinutes(5), w.resumeGrace());
        assertEquals(50, w.maxBufferedElements());
        assertEquals(65536, w.maxBufferedBytes());
        assertEquals(64, w.maxQueuedFrames());
        assertTrue(w.redirectToBosh());
        assertEquals(2048, w.inputBufferBytes());
        assertEquals("https://chat2.example", config.http().shutdownRedirect());
    }

    @Test
    void theWebSocketAndBoshPathsMustDiffer(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(dir, "websocket.path = /http-bind\n"));

        assertTrue(e.getMessage().contains("websocket.path and bosh.path"), e.getMessage());
    }

    @Test
    void aShutdownRedirectMustBeAnHttpUrl(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(dir, "http.shutdownRedirect = chat2.example\n"));

        assertTrue(e.getMessage().contains("http.shutdownRedirect"), e.getMessage());
    }

    @Test
    void theShippedConfigurationLoadsAndDocumentsEveryWebSocketKey() throws Exception {
        Path shipped = Path.of("../conf/portico.properties");
        PorticoConfig config = PorticoConfig.load(shipped, Map.of());
        String text = Files.readString(shipped);

        assertEquals(WebSocketConfig.DEFAULT, config.websocket());
        for (String key : new String[] {"websocket.enabled", "websocket.path", "websocket.maxMessageBytes",
                "websocket.maxFrameBytes", "websocket.pingInterval", "websocket.idleTimeout",
                "websocket.permessageDeflate", "websocket.resumeGrace", "websocket.maxBufferedElements",
                "websocket.maxBufferedBytes", "websocket.maxQueuedFrames", "websocket.redirectToBosh",
                "http.shutdownRedirect"}) {
            assertTrue(text.contains("# " + key + " ("), key + " is documented with its type and default");
        }
    }
}
