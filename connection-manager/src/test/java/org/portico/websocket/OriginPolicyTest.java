package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which pages may open a WebSocket: http.allowedOrigins, the page's own origin, non-browser clients. */
class OriginPolicyTest {

    @ParameterizedTest(name = "allowed={0} public={1} Origin={2} Host={3}: {4}")
    @CsvSource(nullValues = "-", textBlock = """
            https://app.example,    '',                    https://app.example,     chat.example,      true
            https://app.example,    '',                    HTTPS://APP.EXAMPLE/,    chat.example,      true
            https://app.example,    '',                    https://evil.example,    chat.example,      false
            https://app.example,    '',                    http://app.example,      chat.example,      false
            '*',                    '',                    https://evil.example,    chat.example,      true
            '',                     '',                    -,                       chat.example,      true
            '',                     '',                    https://chat.example,    chat.example,      true
            '',                     '',                    http://127.0.0.1:7070,   127.0.0.1:7070,    true
            '',                     '',                    http://127.0.0.1:7071,   127.0.0.1:7070,    false
            '',                     '',                    https://chat.example,    chat.example:443,  true
            '',                     '',                    http://chat.example,     chat.example:8080, false
            '',                     '',                    https://chat.example.evil, chat.example,    false
            '',                     '',                    null,                    chat.example,      false
            '',                     https://chat.example,  https://chat.example,    internal:7070,     true
            '',                     '',                    https://chat.example,    -,                 false
            """)
    void origins(String allowed, String publicUrl, String origin, String host, boolean expected) {
        OriginPolicy policy = new OriginPolicy(allowed.isEmpty() ? List.of() : List.of(allowed), publicUrl);

        assertEquals(expected, policy.allows(origin, host));
    }
}
