package org.portico.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Store limits are validated where they are made, with messages naming the setting (DEVELOPERS.md: config). */
class StoreConfigTest {

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void maximumMustBePositive(int maxSessions) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StoreConfig(maxSessions));
        assertEquals("store.maxSessions must be positive, was " + maxSessions, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 10_000, Integer.MAX_VALUE})
    void anyPositiveMaximumIsAccepted(int maxSessions) {
        assertEquals(maxSessions, new StoreConfig(maxSessions).maxSessions());
    }

    @Test
    void defaultHoldsTenThousandSessions() {
        assertEquals(10_000, StoreConfig.DEFAULT.maxSessions());
    }
}
