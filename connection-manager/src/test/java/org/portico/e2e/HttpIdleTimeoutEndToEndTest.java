package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.portico.testing.PorticoHarness;
import org.portico.testing.RawHttp;

/**
 * {@code http.idleTimeout}: a connection that carries nothing for that long is closed by Portico, and not before.
 * Jetty's idle timeouts run on Portico's {@link org.portico.http.TickScheduler} (issue 10), so this is what would
 * break if the tick stopped running them.
 */
class HttpIdleTimeoutEndToEndTest {

    /** The least Portico allows with the shortest BOSH wait: a held request must never idle out (1 s + 10 s). */
    private static final Duration IDLE = Duration.ofSeconds(11);

    @Test
    void anHttpConnectionIdleForTheIdleTimeoutIsClosedAndNotBefore() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(config -> config
                .withBosh(config.bosh().toBuilder().maxWait(Duration.ofSeconds(1)).build())
                .withHttp(config.http().toBuilder().idleTimeout(IDLE).build()));
                Socket socket = new Socket("127.0.0.1", portico.port())) {
            socket.setSoTimeout(30_000); // a connection never closed fails the test instead of hanging it
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("GET /.well-known/host-meta HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            RawHttp.readBody(in, head);
            long answered = System.nanoTime();

            assertEquals(-1, in.read(), "Portico closes the idle connection");
            Duration open = Duration.ofNanos(System.nanoTime() - answered);
            assertTrue(open.compareTo(IDLE.minusMillis(100)) >= 0, "closed after " + open);
            assertTrue(open.compareTo(IDLE.plusSeconds(3)) < 0, "closed after " + open);
        }
    }
}
