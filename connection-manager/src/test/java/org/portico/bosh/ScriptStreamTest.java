package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/** XEP-0252 §2.2 (R68): payload octets joined across GET requests. */
class ScriptStreamTest {

    private static final String PING = "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>";
    private static final String MESSAGE = "<message to='b@x' id='m1'><body>h\u00e9llo</body></message>";

    static Stream<Arguments> splits() {
        return Stream.of(
                Arguments.of("whole", List.of(PING), List.of(1)),
                Arguments.of("two payloads in one request", List.of(PING + MESSAGE), List.of(2)),
                Arguments.of("split inside a tag", List.of("<iq type='get' id='p1'><pi", "ng xmlns='urn:xmpp:ping'/></iq>"),
                        List.of(0, 1)),
                Arguments.of("split in three", List.of("<message to='b@x' id='m1'>", "<body>h\u00e9l", "lo</body></message>"),
                        List.of(0, 0, 1)),
                Arguments.of("one whole, the next begun", List.of(PING + "<message to='b@x' id='m1'><bo",
                        "dy>h\u00e9llo</body></message>"), List.of(0, 2)),
                Arguments.of("blank between", List.of("  ", PING), List.of(0, 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("splits")
    void payloadsComeOutWhenComplete(String name, List<String> requests, List<Integer> completedAfterEach)
            throws Exception {
        ScriptStream stream = new ScriptStream(new XmlParser(XmlLimits.DEFAULT));
        List<Integer> completed = new ArrayList<>();
        List<XmlElement> all = new ArrayList<>();
        for (String content : requests) {
            List<XmlElement> out = stream.append(content.getBytes(StandardCharsets.UTF_8));
            completed.add(out.size());
            all.addAll(out);
        }

        assertEquals(completedAfterEach, completed);
        all.forEach(e -> assertEquals(Namespaces.JABBER_CLIENT, e.namespace(), "payloads land in jabber:client"));
    }

    @Test
    void aFragmentThatNeverCompletesEndsAsBadRequestAtTheSizeLimit() {
        ScriptStream stream = new ScriptStream(new XmlParser(new XmlLimits(2048, 16, 16, 2048)));
        BoshException error = assertThrows(BoshException.class, () -> {
            for (int i = 0; i < 100; i++) {
                stream.append("<message><body>never closed".getBytes(StandardCharsets.UTF_8));
            }
        });
        assertEquals(BoshCondition.BAD_REQUEST, error.condition());
    }
}
