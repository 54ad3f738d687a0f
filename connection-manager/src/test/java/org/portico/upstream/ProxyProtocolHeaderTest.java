package org.portico.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.testing.RecordingUpstreamListener;

/**
 * The PROXY protocol v2 header (HAProxy proxy-protocol.txt §2.2) Portico sends first on an upstream connection whose
 * route asks for it, naming the session's client (issue 11, point 3). The expected bytes are written out by hand
 * from the specification.
 */
class ProxyProtocolHeaderTest {

    private static final String SIGNATURE = "0d0a0d0a000d0a515549540a";

    @ParameterizedTest
    @CsvSource({
        // client, server address, server port, expected after the signature
        "203.0.113.7, 127.0.0.1, 5222, 2111000c" + "cb007107" + "7f000001" + "0000" + "1466",
        "2001:db8::7, 127.0.0.1, 5222, 2121002420010db8000000000000000000000007"
                + "00000000000000000000ffff7f000001" + "0000" + "1466",
        "[2001:db8::7], ::1, 5269, 2121002420010db8000000000000000000000007"
                + "00000000000000000000000000000001" + "0000" + "1495",
        "203.0.113.7, 2001:db8::1, 5222, 2121002400000000000000000000ffffcb007107"
                + "20010db8000000000000000000000001" + "0000" + "1466"})
    void aProxiedConnectionNamesTheClientAndTheServerInOneFamily(String client, String server, int port,
            String expected) throws Exception {
        byte[] header = ProxyProtocolHeader.v2(client, new InetSocketAddress(InetAddress.getByName(server), port));

        assertEquals(SIGNATURE + expected, HexFormat.of().formatHex(header));
    }

    @ParameterizedTest
    @CsvSource(value = {"NULL", "_hidden", "unknown", "chat.example.org"}, nullValues = "NULL")
    void aClientWithoutAnIpAddressGetsTheLocalCommandSoTheServerKeepsTheConnectionsOwn(String client) {
        byte[] header = ProxyProtocolHeader.v2(client, new InetSocketAddress("127.0.0.1", 5222));

        assertEquals(SIGNATURE + "20000000", HexFormat.of().formatHex(header));
    }

    @Test
    @Timeout(30)
    void theHeaderIsTheFirstThingOnTheConnectionBeforeTheStreamHeader() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            UpstreamConfig config = UpstreamConfig.builder().domain("proxied.test",
                    new UpstreamRoute("127.0.0.1", server.getLocalPort(), TlsPolicy.DISABLED, true)).build();
            TcpUpstreamConnector connector = new TcpUpstreamConnector(config, name -> List.of(),
                    Scheduler.systemScheduler());
            RecordingUpstreamListener events = new RecordingUpstreamListener();

            Upstream upstream = connector.connect(new StreamHeader("proxied.test", null, null, "1.0"), null,
                    "198.51.100.23", events);
            try (Socket accepted = server.accept()) {
                InputStream in = accepted.getInputStream();
                byte[] header = new byte[28];
                new DataInputStream(in).readFully(header);
                byte[] next = new byte[5];
                new DataInputStream(in).readFully(next);

                assertArrayEquals(HexFormat.of().parseHex(SIGNATURE + "2111000c" + "c6336417" + "7f000001" + "0000"
                        + String.format("%04x", server.getLocalPort())), header);
                assertTrue(new String(next, StandardCharsets.UTF_8).startsWith("<"), "then the stream header");
            } finally {
                upstream.abort();
            }
        }
    }

    @Test
    @Timeout(30)
    void aRouteWithoutItSendsTheStreamHeaderFirst() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            UpstreamConfig config = UpstreamConfig.builder().domain("plain.test",
                    new UpstreamRoute("127.0.0.1", server.getLocalPort(), TlsPolicy.DISABLED)).build();
            Upstream upstream = new TcpUpstreamConnector(config, name -> List.of(), Scheduler.systemScheduler())
                    .connect(new StreamHeader("plain.test", null, null, "1.0"), null, "198.51.100.23",
                            new RecordingUpstreamListener());
            try (Socket accepted = server.accept()) {
                assertEquals('<', accepted.getInputStream().read());
            } finally {
                upstream.abort();
            }
        }
    }
}
