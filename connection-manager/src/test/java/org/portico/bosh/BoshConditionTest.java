package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BoshConditionTest {

    @ParameterizedTest(name = "{0}: legacy HTTP {1}, {2} for a client that sent ver (§17.1, §17.2, R54–R56)")
    @CsvSource({
        "bad-request,              400, 200",
        "host-gone,                200, 200",
        "host-unknown,             200, 200",
        "improper-addressing,      200, 200",
        "internal-server-error,    200, 200",
        "item-not-found,           404, 200",
        "other-request,            200, 200",
        "policy-violation,         403, 200",
        "remote-connection-failed, 200, 200",
        "remote-stream-error,      200, 200",
        "see-other-uri,            200, 200",
        "system-shutdown,          200, 200",
        "undefined-condition,      200, 200"})
    void onlyTheThreeAsteriskedConditionsHaveALegacyHttpErrorCode(String wireName, int legacy, int modern) {
        BoshCondition condition = BoshCondition.fromWireName(wireName).orElseThrow();
        assertEquals(wireName, condition.wireName());
        assertEquals(legacy, condition.legacyHttpStatus());
        assertEquals(legacy, condition.httpStatus(true));
        assertEquals(modern, condition.httpStatus(false));
        assertEquals(legacy != 200, condition.hasLegacyHttpError());
    }

    @Test
    void everyConditionOfTheSchemaEnumerationIsDefinedOnce() {
        Set<String> schema = Set.of("bad-request", "host-gone", "host-unknown", "improper-addressing",
                "internal-server-error", "item-not-found", "other-request", "policy-violation",
                "remote-connection-failed", "remote-stream-error", "see-other-uri", "system-shutdown",
                "undefined-condition");
        assertEquals(schema, Arrays.stream(BoshCondition.values()).map(BoshCondition::wireName)
                .collect(Collectors.toSet()));
        assertEquals(schema.size(), BoshCondition.values().length);
    }

    @ParameterizedTest(name = "\"{0}\" is not a terminal binding condition (§17.2)")
    @ValueSource(strings = {"", "Item-Not-Found", "item_not_found", "resource-constraint", "secure"})
    void unknownWireNamesAreEmpty(String wireName) {
        assertEquals(Optional.empty(), BoshCondition.fromWireName(wireName));
    }
}
