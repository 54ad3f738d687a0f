package org.portico.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.portico.store.testing.ManualTicker;

/**
 * Issue 11, point 7: most sessions per client address and session creations per second per address (a token bucket
 * on Portico's clock), both transports together; the time is moved by hand.
 */
class AddressLimitsTest {

    private static final String NAT = "203.0.113.7";
    private static final String OTHER = "198.51.100.2";
    private final ManualTicker clock = new ManualTicker();

    private AddressLimits limits(int maxSessions, int perSecond, int burst) {
        return new AddressLimits(ClientConfig.builder().maxSessionsPerAddress(maxSessions)
                .newSessionsPerSecond(perSecond).newSessionsBurst(burst).build(), clock);
    }

    @Test
    void anAddressHoldsAtMostMaxSessionsAndAReleasedOneFreesItsPlace() {
        AddressLimits limits = limits(2, 100, 100);

        assertEquals(Optional.empty(), limits.admit("a", NAT));
        assertEquals(Optional.empty(), limits.admit("b", NAT));
        assertEquals(Optional.of(AddressLimits.Refusal.TOO_MANY_SESSIONS), limits.admit("c", NAT));
        assertEquals(2, limits.sessions(NAT), "a refused creation takes no place");

        limits.released("a");
        assertEquals(Optional.empty(), limits.admit("d", NAT));
        assertEquals(2, limits.sessions(NAT));
    }

    @Test
    void eachAddressIsCountedApart() {
        AddressLimits limits = limits(1, 100, 100);

        assertEquals(Optional.empty(), limits.admit("a", NAT));
        assertEquals(Optional.empty(), limits.admit("b", OTHER));
        assertEquals(Optional.of(AddressLimits.Refusal.TOO_MANY_SESSIONS), limits.admit("c", NAT));
    }

    @Test
    void releasingASessionTwiceOrOneNeverAdmittedChangesNothing() {
        AddressLimits limits = limits(2, 100, 100);
        limits.admit("a", NAT);
        limits.admit("b", NAT);

        limits.released("a");
        limits.released("a");
        limits.released("never");

        assertEquals(1, limits.sessions(NAT));
    }

    @Test
    void aBurstIsLetThroughThenCreationsFollowTheRate() {
        AddressLimits limits = limits(1000, 2, 3);

        for (String id : List.of("a", "b", "c")) {
            assertEquals(Optional.empty(), limits.admit(id, NAT), "the burst: " + id);
        }
        assertEquals(Optional.of(AddressLimits.Refusal.TOO_MANY_NEW_SESSIONS), limits.admit("d", NAT));
        assertEquals(Optional.empty(), limits.admit("x", OTHER), "another address has its own bucket");

        clock.advance(Duration.ofMillis(499));
        assertEquals(Optional.of(AddressLimits.Refusal.TOO_MANY_NEW_SESSIONS), limits.admit("e", NAT));
        clock.advance(Duration.ofMillis(1));
        assertEquals(Optional.empty(), limits.admit("f", NAT), "2 per second: one more after half a second");
        assertEquals(Optional.of(AddressLimits.Refusal.TOO_MANY_NEW_SESSIONS), limits.admit("g", NAT));
    }

    @Test
    void anAddressLeftAloneGetsItsWholeBurstBackButNoMore() {
        AddressLimits limits = limits(1000, 10, 2);
        limits.admit("a", NAT);
        limits.admit("b", NAT);

        clock.advance(Duration.ofHours(1));

        assertEquals(Optional.empty(), limits.admit("c", NAT));
        assertEquals(Optional.empty(), limits.admit("d", NAT));
        assertEquals(Optional.of(AddressLimits.Refusal.TOO_MANY_NEW_SESSIONS), limits.admit("e", NAT));
    }

    @Test
    void theDefaultsLetAThousandUsersBehindOneNatLogInWithinFifteenSeconds() {
        AddressLimits limits = new AddressLimits(ClientConfig.DEFAULT, clock);
        int admitted = 0;
        for (int user = 0; user < 1000; user++) {
            if (limits.admit("s" + user, NAT).isEmpty()) {
                admitted++;
            }
            clock.advance(Duration.ofMillis(15)); // a thousand logins within fifteen seconds
        }

        assertEquals(1000, admitted);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of((UnaryOperator<ClientConfig.Builder>) b -> b.maxSessionsPerAddress(0),
                        "client.maxSessionsPerAddress"),
                Arguments.of((UnaryOperator<ClientConfig.Builder>) b -> b.newSessionsPerSecond(0),
                        "client.newSessionsPerSecond"),
                Arguments.of((UnaryOperator<ClientConfig.Builder>) b -> b.newSessionsBurst(0),
                        "client.newSessionsBurst"),
                Arguments.of((UnaryOperator<ClientConfig.Builder>) b -> b.trustedProxies(List.of("10.0.0.0/99")),
                        "client.trustedProxies"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void aBadSettingIsRefusedNamingItsKey(UnaryOperator<ClientConfig.Builder> change, String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> change.apply(ClientConfig.builder()).build());

        assertTrue(e.getMessage().startsWith(key), e.getMessage());
    }
}
