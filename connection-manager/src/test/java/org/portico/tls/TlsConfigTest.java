package org.portico.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.portico.server.PorticoConfig;

/** {@code tls.*}: which key material, where, how often it is checked; each mistake named in the message. */
class TlsConfigTest {

    @TempDir
    static Path dir;

    private static Path certificate;
    private static Path key;

    @BeforeEach
    void files() throws Exception {
        certificate = Files.writeString(dir.resolve("fullchain.pem"), "not read by the record");
        key = Files.writeString(dir.resolve("privkey.pem"), "not read by the record");
    }

    @Test
    void byDefaultThereIsNoHttpsListener() {
        assertFalse(TlsConfig.DEFAULT.enabled());
        assertEquals(7443, TlsConfig.DEFAULT.port());
        assertEquals(Duration.ofSeconds(60), TlsConfig.DEFAULT.reloadInterval());
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("a key store and PEM files", (UnaryOperator<TlsConfig.Builder>) b -> b
                        .keyStore(certificate).certificate(certificate).privateKey(key), "not both"),
                Arguments.of("a certificate without its key", (UnaryOperator<TlsConfig.Builder>) b -> b
                        .certificate(certificate), "tls.privateKey"),
                Arguments.of("a key without its certificate", (UnaryOperator<TlsConfig.Builder>) b -> b
                        .privateKey(key), "tls.certificate"),
                Arguments.of("a missing file", (UnaryOperator<TlsConfig.Builder>) b -> b
                        .keyStore(dir.resolve("nowhere.p12")), "tls.keyStore names a file that does not exist"),
                Arguments.of("a fraction of a second", (UnaryOperator<TlsConfig.Builder>) b -> b
                        .reloadInterval(Duration.ofMillis(1500)), "tls.reloadInterval must be whole seconds"),
                Arguments.of("a port out of range", (UnaryOperator<TlsConfig.Builder>) b -> b.port(70000),
                        "tls.port must be between 0 and 65535"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void aMistakeIsRefusedWithTheKeyNamed(String mistake, UnaryOperator<TlsConfig.Builder> change, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> change.apply(TlsConfig.builder()).build());

        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void thePropertiesFileTurnsTheListenerOnWithPemFiles() throws Exception {
        Path file = Files.writeString(dir.resolve("portico.properties"), "tls.port = 8443\ntls.certificate = "
                + certificate + "\ntls.privateKey = " + key + "\ntls.reloadInterval = 5s\nhttp2.cleartext = true\n");

        PorticoConfig config = PorticoConfig.load(file, Map.of());

        assertTrue(config.tls().enabled());
        assertTrue(config.tls().pem());
        assertEquals(8443, config.tls().port());
        assertEquals(Duration.ofSeconds(5), config.tls().reloadInterval());
        assertTrue(config.http2().cleartext());
        assertTrue(config.http2().tls());
    }

    @Test
    void thePasswordIsNeverInTheDescription() {
        TlsConfig config = TlsConfig.builder().keyStore(certificate).keyStorePassword("s3cret").build();

        assertFalse(config.toString().contains("s3cret"), config.toString());
    }
}
