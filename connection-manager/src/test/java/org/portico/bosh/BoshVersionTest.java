package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class BoshVersionTest {

    @ParameterizedTest(name = "client ver={0} → advertise {1} (§7.1 integers, §7.2 the lower, R9, R16)")
    @CsvSource({
        "1.6,  1.6",
        "1.10, 1.10",
        "1.11, 1.11",
        "1.12, 1.11",
        "2.0,  1.11",
        "1.9,  1.9",
        "0.99, 0.99",
        "01.011, 1.11"})
    void theAdvertisedVersionIsTheLowerComparingMajorAndMinorAsIntegers(String client, String advertised) {
        assertEquals(advertised, BoshVersion.parse(client).orElseThrow().lowerOf(BoshVersion.SUPPORTED).toString());
    }

    @ParameterizedTest(name = "{0} < {1} as versions although not as decimals (§7.1, R9)")
    @CsvSource({"1.9, 1.10", "1.6, 1.11", "1.99, 2.0", "0.1, 0.10"})
    void minorNumbersCompareAsSeparateIntegers(String lower, String higher) {
        BoshVersion low = BoshVersion.parse(lower).orElseThrow();
        BoshVersion high = BoshVersion.parse(higher).orElseThrow();
        assertTrue(low.compareTo(high) < 0);
        assertEquals(low, low.lowerOf(high));
        assertEquals(low, high.lowerOf(low));
    }

    @Test
    void porticoImplementsXep0124Version1Point11() {
        assertEquals("1.11", BoshVersion.SUPPORTED.toString());
    }

    @ParameterizedTest(name = "ver=\"{0}\" is malformed: bad-request (§7.1, §17.2)")
    @NullSource
    @ValueSource(strings = {"", "1", "1.", ".6", "1.6.1", "v1.6", "1,6", " 1.6", "1.6 ", "+1.6", "-1.6",
        "1.0x", "1234567890.1", "١.٦"})
    void malformedVersionsAreRefused(String ver) {
        assertEquals(Optional.empty(), BoshVersion.parse(ver));
    }

    @Test
    void negativeVersionNumbersCannotBeConstructed() {
        assertThrows(IllegalArgumentException.class, () -> new BoshVersion(-1, 0));
    }
}
