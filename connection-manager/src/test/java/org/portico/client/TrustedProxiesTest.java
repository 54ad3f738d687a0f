package org.portico.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which TCP peers are believed when they send {@code Forwarded} / {@code X-Forwarded-For} (issue 11, point 2). */
class TrustedProxiesTest {

    private final TrustedProxies proxies = new TrustedProxies(List.of("127.0.0.1", "10.1.0.0/16", "::1"));

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, true",
        "127.0.0.2, false",
        "10.1.200.3, true",
        "10.2.0.1, false",
        "::1, true",
        "203.0.113.9, false"})
    void onlyTheConfiguredProxiesAreBelieved(String peer, boolean trusted) {
        assertEquals(trusted, proxies.trusts(new InetSocketAddress(peer, 40000)));
    }
}
