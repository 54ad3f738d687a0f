package org.portico.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.bosh.BoshConfig;
import org.portico.client.ClientConfig;
import org.portico.http.HttpConfig;
import org.portico.store.StoreConfig;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamConfig;
import org.portico.upstream.UpstreamRoute;
import org.portico.websocket.WebSocketConfig;
import org.portico.xml.XmlLimits;

/**
 * Issue 11, point 8: environment overrides live in their own namespace ({@code PORTICO_CFG_*}), apart from the
 * scripts' variables; one that names no key stops start-up with its name; upstream domains can come from the
 * environment alone; an error names the file and key or the variable a bad value came from; the defaults are the
 * records' own.
 */
class SettingsTest {

    @TempDir
    Path dir;

    private Path file(String properties) throws Exception {
        Path file = dir.resolve("portico.properties");
        Files.writeString(file, properties);
        return file;
    }

    @ParameterizedTest
    @CsvSource({
        "http.port, PORTICO_CFG_HTTP_PORT",
        "http.maxConnections, PORTICO_CFG_HTTP_MAXCONNECTIONS",
        "upstream.domain.chat.example.org, PORTICO_CFG_UPSTREAM_DOMAIN_CHAT_EXAMPLE_ORG",
        "upstream.domain.chat-1.example.org, PORTICO_CFG_UPSTREAM_DOMAIN_CHAT__1_EXAMPLE_ORG"})
    void eachKeyHasOneOverrideVariable(String key, String variable) {
        assertEquals(variable, Settings.variable(key));
    }

    @Test
    void anOverrideVariableReplacesTheFilesValue() throws Exception {
        PorticoConfig config = PorticoConfig.load(file("http.port = 7070\n"),
                Map.of("PORTICO_CFG_HTTP_PORT", "8081", "PORTICO_CFG_HTTP_MAXCONNECTIONS", "55"));

        assertEquals(8081, config.http().port());
        assertEquals(55, config.http().maxConnections());
    }

    @Test
    void aMisspeltOverrideVariableStopsStartUpNamingIt() throws Exception {
        Path file = file("http.port = 7070\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PorticoConfig.load(file, Map.of("PORTICO_CFG_HTTP_PROT", "8081", "PORTICO_CFG_HTTP_PORT",
                        "8080")));

        assertTrue(e.getMessage().contains("PORTICO_CFG_HTTP_PROT"), e.getMessage());
        assertTrue(e.getMessage().contains("match no configuration key"), e.getMessage());
        assertTrue(!e.getMessage().contains(" from "), "names no origin of a value: " + e.getMessage());
    }

    @Test
    void theScriptsOwnVariablesAreNotConfigurationAndChangeNothing() throws Exception {
        PorticoConfig config = PorticoConfig.load(file("http.port = 7070\n"), Map.of("PORTICO_HTTP_PORT", "9999",
                "PORTICO_RUN_DIR", "/tmp/run", "PORTICO_XMPP_PORT", "15222", "PORTICO_CONFIG", "/etc/x"));

        assertEquals(7070, config.http().port());
    }

    @Test
    void anUpstreamDomainCanBeAddedFromTheEnvironmentAlone() throws Exception {
        PorticoConfig config = PorticoConfig.load(file("upstream.domain.localhost = 127.0.0.1:5222 required\n"),
                Map.of("PORTICO_CFG_UPSTREAM_DOMAIN_CHAT__1_EXAMPLE_ORG", "10.0.0.7:5223 optional"));

        assertEquals(new UpstreamRoute("10.0.0.7", 5223, TlsPolicy.OPTIONAL),
                config.upstream().domains().get("chat-1.example.org"));
        assertEquals(new UpstreamRoute("127.0.0.1", 5222, TlsPolicy.REQUIRED),
                config.upstream().domains().get("localhost"));
    }

    @Test
    void anUpstreamDomainOfTheFileCanBeOverriddenFromTheEnvironment() throws Exception {
        PorticoConfig config = PorticoConfig.load(file("upstream.domain.localhost = 127.0.0.1:5222 required\n"),
                Map.of("PORTICO_CFG_UPSTREAM_DOMAIN_LOCALHOST", "127.0.0.1:22222 disabled"));

        assertEquals(Map.of("localhost", new UpstreamRoute("127.0.0.1", 22222, TlsPolicy.DISABLED)),
                config.upstream().domains());
    }

    @Test
    void aBadValueFromTheEnvironmentNamesTheVariable() throws Exception {
        Path file = file("http.port = 7070\n");

        IllegalArgumentException unparsable = assertThrows(IllegalArgumentException.class,
                () -> PorticoConfig.load(file, Map.of("PORTICO_CFG_HTTP_PORT", "seventy")));
        IllegalArgumentException outOfRange = assertThrows(IllegalArgumentException.class,
                () -> PorticoConfig.load(file, Map.of("PORTICO_CFG_HTTP_PORT", "70000")));
        IllegalArgumentException badRoute = assertThrows(IllegalArgumentException.class,
                () -> PorticoConfig.load(file, Map.of("PORTICO_CFG_UPSTREAM_DOMAIN_CHAT_EXAMPLE_ORG", "nowhere")));

        assertTrue(unparsable.getMessage().contains("environment variable PORTICO_CFG_HTTP_PORT"),
                unparsable.getMessage());
        assertTrue(outOfRange.getMessage().contains("environment variable PORTICO_CFG_HTTP_PORT"),
                outOfRange.getMessage());
        assertTrue(badRoute.getMessage().contains("upstream.domain.chat.example.org from environment variable "
                + "PORTICO_CFG_UPSTREAM_DOMAIN_CHAT_EXAMPLE_ORG"), badRoute.getMessage());
    }

    @Test
    void aBadValueFromTheFileNamesTheFileAndTheKey() throws Exception {
        Path file = file("http.idleTimeout = 30s\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PorticoConfig.load(file, Map.of()));

        assertTrue(e.getMessage().contains("http.idleTimeout from " + file), e.getMessage());
        assertTrue(!e.getMessage().contains("bosh.maxWait from"), "a default names no origin: " + e.getMessage());
    }

    @Test
    void anUnknownKeyInTheFileStopsStartUpNamingItAndTheFile() throws Exception {
        Path file = file("http.prot = 7070\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PorticoConfig.load(file, Map.of()));

        assertTrue(e.getMessage().contains("http.prot") && e.getMessage().contains(file.toString()),
                e.getMessage());
    }

    @Test
    void anEmptyFileGivesTheRecordsOwnDefaults() throws Exception {
        PorticoConfig config = PorticoConfig.load(file(""), Map.of());

        assertEquals(HttpConfig.DEFAULT, config.http());
        assertEquals(BoshConfig.DEFAULT, config.bosh());
        assertEquals(WebSocketConfig.DEFAULT, config.websocket());
        assertEquals(XmlLimits.DEFAULT, config.xml());
        assertEquals(StoreConfig.DEFAULT, config.store());
        assertEquals(UpstreamConfig.builder().xmlLimits(UpstreamConfig.xmlLimitsFor(XmlLimits.DEFAULT)).build(),
                config.upstream());
    }

    @Test
    void theShippedConfigurationLoadsTheClientDefaultsAndDocumentsEveryClientKey() throws Exception {
        Path shipped = Path.of("../conf/portico.properties");
        PorticoConfig config = PorticoConfig.load(shipped, Map.of());
        String text = Files.readString(shipped);

        assertEquals(ClientConfig.DEFAULT, config.client());
        for (String key : new String[] {"client.trustedProxies", "client.maxSessionsPerAddress",
                "client.newSessionsPerSecond", "client.newSessionsBurst"}) {
            assertTrue(text.contains("# " + key + " ("), key + " is documented with its type and default");
        }
    }

    @Test
    void theClientSettingsAreReadFromTheFileAndTheEnvironment() throws Exception {
        PorticoConfig config = PorticoConfig.load(file("client.trustedProxies = 10.0.0.0/8, ::1\n"
                + "client.maxSessionsPerAddress = 7\n"), Map.of("PORTICO_CFG_CLIENT_NEWSESSIONSPERSECOND", "3"));

        assertEquals(ClientConfig.builder().trustedProxies(java.util.List.of("10.0.0.0/8", "::1"))
                .maxSessionsPerAddress(7).newSessionsPerSecond(3).build(), config.client());
    }

    @Test
    void anUpstreamCanBeToldToExpectThePROXYProtocol() throws Exception {
        PorticoConfig config = PorticoConfig.load(file(
                "upstream.domain.localhost = 127.0.0.1:5222 required proxy-protocol\n"), Map.of());
        Path bad = file("upstream.domain.localhost = 127.0.0.1:5222 required haproxy\n");

        assertEquals(new UpstreamRoute("127.0.0.1", 5222, TlsPolicy.REQUIRED, true),
                config.upstream().domains().get("localhost"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PorticoConfig.load(bad, Map.of()));
        assertTrue(e.getMessage().contains("proxy-protocol")
                && e.getMessage().contains("upstream.domain.localhost from " + bad), e.getMessage());
    }
}
