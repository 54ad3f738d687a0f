package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.xml.namespace.QName;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/**
 * A resume token works only from the origin that opened its session (issue 12 security review,
 * {@code docs/websocket-resume.md}), through Portico's real WebSocket handshake: the {@code Origin} header of the
 * upgrade request reaches the session. A page of the configured other origin opens a stream and drops its socket;
 * a page of Portico's own origin, which may open WebSockets too, presents the token and gets a fresh stream; the
 * page of the first origin then resumes the session.
 */
class ResumeTokenOriginEndToEndTest {

    /** Listed in the harness's {@code http.allowedOrigins}. */
    private static final String OTHER_ORIGIN = "http://allowed.example";
    private static final QName TOKEN = new QName(Namespaces.PORTICO_RESUME, "token");
    private static final QName RESUMED = new QName(Namespaces.PORTICO_RESUME, "resumed");
    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @AutoClose
    private static PorticoHarness portico;

    @BeforeAll
    static void start() throws Exception {
        portico = PorticoHarness.start();
    }

    @Test
    void aTokenPresentedFromAnotherOriginGetsAFreshStreamAndItsOwnPageStillResumes() throws Exception {
        Page opener = Page.open(OTHER_ORIGIN);
        opener.send("<open xmlns='" + Namespaces.FRAMING + "' to='" + LocalProsody.DOMAIN + "' version='1.0'/>");
        String token = opener.next().attribute(TOKEN).orElseThrow();
        assertTrue(opener.next().is(Namespaces.STREAMS, "features"));
        opener.socket.abort();

        Page sameOrigin = Page.open("http://127.0.0.1:" + portico.port());
        sameOrigin.send(resume(token));
        XmlElement refused = sameOrigin.next();
        assertTrue(refused.is(Namespaces.FRAMING, "open"), refused.toString());
        assertFalse(refused.attribute(RESUMED).isPresent(), "not resumed from another origin: " + refused);
        sameOrigin.socket.abort();

        Page reloaded = Page.open(OTHER_ORIGIN);
        reloaded.send(resume(token));
        XmlElement resumed = reloaded.next();
        assertEquals("true", resumed.attribute(RESUMED).orElse(null), "its own page resumes: " + resumed);
        reloaded.socket.abort();
    }

    /** The features were the one element the first page received. */
    private static String resume(String token) {
        return "<open xmlns='" + Namespaces.FRAMING + "' to='" + LocalProsody.DOMAIN + "' version='1.0' xmlns:resume='"
                + Namespaces.PORTICO_RESUME + "' resume:token='" + token + "' resume:h='1'/>";
    }

    /** A browser page's socket: the {@code xmpp} subprotocol, its {@code Origin}, messages parsed into a queue. */
    private record Page(WebSocket socket, BlockingQueue<XmlElement> messages) {

        static Page open(String origin) throws Exception {
            BlockingQueue<XmlElement> messages = new LinkedBlockingQueue<>();
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().header("Origin", origin)
                    .subprotocols("xmpp").buildAsync(portico.websocketUri(), new WebSocket.Listener() {
                        private final StringBuilder partial = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            partial.append(data);
                            if (last) {
                                try {
                                    messages.add(PARSER.parseDocument(partial.toString()
                                            .getBytes(StandardCharsets.UTF_8)));
                                } catch (Exception e) {
                                    throw new AssertionError("Portico sent an unparseable message: " + partial, e);
                                }
                                partial.setLength(0);
                            }
                            webSocket.request(1);
                            return null;
                        }
                    }).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return new Page(socket, messages);
        }

        void send(String message) throws Exception {
            socket.sendText(message, true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }

        XmlElement next() throws InterruptedException {
            XmlElement message = messages.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(message, "nothing from Portico within " + TIMEOUT);
            return message;
        }
    }
}
