package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Details quoting a client's text stay one bounded log line (issue 2: "each bad request gets one log line"). */
class BoshExceptionTest {

    static Stream<Arguments> details() {
        String cut = "x".repeat(BoshException.MAX_DETAIL);
        return Stream.of(
                Arguments.of("plain text is kept", "rid is not a number: abc", "rid is not a number: abc"),
                Arguments.of("a line feed cannot start a forged log line", "rid is not a number: 1\n12:00 INFO x",
                        "rid is not a number: 1\\u000a12:00 INFO x"),
                Arguments.of("carriage return and tab are escaped", "a\r\tb", "a\\u000d\\u0009b"),
                Arguments.of("NEL and the Unicode separators are escaped", "a\u0085b\u2028c\u2029d",
                        "a\\u0085b\\u2028c\\u2029d"),
                Arguments.of("letters beyond ASCII are kept", "ver 'é漢😀'", "ver 'é漢😀'"),
                Arguments.of("a long value is cut and marked", cut + "yyyy", cut + "…"),
                Arguments.of("a value of exactly the limit is not marked", cut, cut));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("details")
    void detailsArePrintableOnOneLine(String behaviour, String detail, String printable) {
        assertEquals(printable, BoshException.printable(detail));
        assertEquals(printable, new BoshException(BoshCondition.BAD_REQUEST, detail).getMessage());
    }

    @Test
    void noDetailStaysNone() {
        assertNull(BoshException.printable(null));
    }
}
