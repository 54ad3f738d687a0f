package org.portico.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.portico.testing.ScriptedXmppServer;
import org.portico.xml.XmlLimits;

/** Upstream settings: documented defaults, and readable refusals of bad values. */
class UpstreamConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        UpstreamConfig config = UpstreamConfig.builder().build();
        assertEquals(Map.of(), config.domains());
        assertFalse(config.srvLookup());
        assertEquals(TlsPolicy.REQUIRED, config.discoveredTls());
        assertNull(config.trustStore());
        assertTrue(config.verifyHostname());
        assertEquals(Duration.ofSeconds(10), config.connectTimeout());
        assertEquals(Duration.ofSeconds(5), config.closeTimeout());
        assertEquals(List.of(), config.routeAllowList());
        assertEquals(1024 * 1024, config.maxQueuedWriteBytes());
        assertEquals(XmlLimits.DEFAULT, config.xmlLimits());
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 4), config.pollers());
    }

    @Test
    void domainKeysAreStoredLowerCase() {
        UpstreamRoute route = new UpstreamRoute("Host.Example", 5222, TlsPolicy.REQUIRED);
        UpstreamConfig config = UpstreamConfig.builder().domain("Example.ORG", route).build();
        assertEquals(Map.of("example.org", route), config.domains());
        assertEquals("host.example", route.host());
    }

    static Stream<Arguments> invalid() {
        UpstreamRoute route = new UpstreamRoute("h", 5222, TlsPolicy.REQUIRED);
        return Stream.of(
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.domain("a.org", route)
                        .domain("A.org", route), "upstream.domains: a.org is configured twice"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.domain(" ", route), "upstream.domains"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.discoveredTls(null),
                        "upstream.discoveredTls"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.trustStore(Path.of("/no/such.pem"), null),
                        "upstream.trustStore /no/such.pem is not a readable file"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.connectTimeout(Duration.ZERO),
                        "upstream.connectTimeout must be positive"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.closeTimeout(Duration.ofSeconds(-1)),
                        "upstream.closeTimeout must be zero or more"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.allowRoute("example.com:5222"),
                        "upstream.routeAllowList: route must look like xmpp:host:port"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.allowRoute("xmpp:example.com:70000"),
                        "upstream.routeAllowList: upstream port must be 1-65535"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.maxQueuedWriteBytes(100),
                        "upstream.maxQueuedWriteBytes must be at least 1024, was 100"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.xmlLimits(null), "upstream.xmlLimits"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.pollers(0),
                        "upstream.pollers must be from 1 to 256, was 0"),
                Arguments.of((UnaryOperator<UpstreamConfig.Builder>) b -> b.pollers(257),
                        "upstream.pollers must be from 1 to 256, was 257"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void badValuesAreRefusedWithAMessageNamingTheSetting(UnaryOperator<UpstreamConfig.Builder> change,
            String message) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> change.apply(UpstreamConfig.builder()).build());
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void anUnreadableTrustStoreIsReportedWhenTheConnectorIsBuilt() {
        UpstreamConfig config = UpstreamConfig.builder().trustStore(ScriptedXmppServer.TRUST_PKCS12, "wrong").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TcpUpstreamConnector(config, name -> List.of(), Scheduler.systemScheduler()));
        assertTrue(e.getMessage().startsWith("upstream.trustStore " + ScriptedXmppServer.TRUST_PKCS12), e.getMessage());
    }

    @Test
    void toStringHidesTheTrustStorePassword() {
        UpstreamConfig config = UpstreamConfig.builder().trustStore(ScriptedXmppServer.TRUST_PKCS12, "s3cret").build();
        assertFalse(config.toString().contains("s3cret"), config.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"xmpp:example.com:9999,example.com,9999", "xmpp:[::1]:5222,::1,5222", "xmpp:10.0.0.1:1,10.0.0.1,1"})
    void routesAreSplitNotParsedAsUris(String route, String host, int port) {
        assertEquals(new UpstreamRoute(host, port, TlsPolicy.DISABLED),
                UpstreamRoute.fromRoute(route, TlsPolicy.DISABLED), "XEP-0124 §7.1: proto:host:port, not a URI (R10)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"http://example.com:80", "xmpp:example.com", "xmpp::5222", "xmpp:example.com:", "xmpp:example.com:x"})
    void malformedRoutesAreRefused(String route) {
        assertThrows(IllegalArgumentException.class, () -> UpstreamRoute.fromRoute(route, TlsPolicy.DISABLED));
    }
}
