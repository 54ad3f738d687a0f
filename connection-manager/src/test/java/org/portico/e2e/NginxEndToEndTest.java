package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.portico.bosh.BoshConfig;
import org.portico.client.ClientConfig;
import org.portico.session.SessionLog;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalNginx;
import org.portico.testing.LocalProsody;
import org.portico.testing.LogCapture;
import org.portico.testing.PorticoHarness;
import org.portico.testing.ReloadingReceiver;
import org.portico.testing.WebSocketTestClient;
import org.portico.websocket.WebSocketConfig;
import org.portico.xml.XmlElement;

/**
 * Issue 11, points 2 and 3: Portico behind Debian's nginx configured with {@code conf/nginx/portico.conf}, TLS and
 * HTTP/2 at nginx, against the real Prosody. Both transports work through it, a reloading page loses nothing
 * (XEP-0124 §9–§10, RFC 7395 §3.6, Portico's resume token, XEP-0198), and Portico sees the browser's address, not
 * nginx's, because nginx is its trusted proxy ({@code client.trustedProxies}) and overwrites what the browser
 * claims in {@code X-Forwarded-For}. The browser here connects from 127.0.0.2, nginx from 127.0.0.1.
 */
class NginxEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int RELOADS = 3;
    private static final String BROWSER = "127.0.0.2";
    private static PorticoHarness portico;
    private static LocalNginx nginx;
    /**
     * The test clients build their HTTP clients with the JVM's default TLS; while this class runs, that default
     * trusts the throw-away certificate nginx serves (and nothing else), and it is put back afterwards.
     */
    private static SSLContext previousTls;

    @BeforeAll
    static void start() throws Exception {
        portico = PorticoHarness.start(config -> config.withClient(ClientConfig.builder()
                .trustedProxies(List.of("127.0.0.1")).build()));
        nginx = LocalNginx.start(portico.port());
        previousTls = SSLContext.getDefault();
        SSLContext.setDefault(LocalNginx.tls());
    }

    @AfterAll
    static void stop() {
        if (previousTls != null) {
            SSLContext.setDefault(previousTls);
        }
        if (nginx != null) {
            nginx.close();
        }
        if (portico != null) {
            portico.close();
        }
    }

    /** A browser on 127.0.0.2 that trusts nginx's certificate. */
    private static HttpClient browser() throws Exception {
        return HttpClient.newBuilder().localAddress(InetAddress.getByName(BROWSER)).sslContext(LocalNginx.tls())
                .connectTimeout(WAIT).build();
    }

    @ParameterizedTest
    @EnumSource(ReloadingReceiver.Kind.class)
    void aPageReloadingBehindNginxGetsEveryMessageOnceAndInOrder(ReloadingReceiver.Kind kind) throws Exception {
        try (WebSocketTestClient sender = WebSocketTestClient.connect(nginx.websocketUri(), LocalProsody.DOMAIN);
                ReloadingReceiver receiver = kind.create(nginx.boshUri(), nginx.websocketUri())) {
            String to = receiver.login("test2", "nginx-" + kind.name().toLowerCase());
            sender.login("test3", LocalProsody.password("test3"), "nginx-sender-" + kind.name().toLowerCase());
            int sent = 0;
            for (int reload = 0; reload < RELOADS; reload++) {
                sent = send(sender, to, sent, 2);
                receiver.bodies(sent, WAIT);
                sent = send(sender, to, sent, 2); // on their way while the page goes away
                receiver.reload();
            }
            sender.send("<iq xmlns='jabber:client' type='get' id='flush' to='" + LocalProsody.DOMAIN
                    + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            sender.next(e -> "flush".equals(e.attribute("id").orElse(null)));
            receiver.ping();

            assertEquals(IntStream.rangeClosed(1, sent).mapToObj(Integer::toString).toList(),
                    receiver.bodies(sent, WAIT), "through nginx and " + RELOADS + " reloads (" + receiver + ")");
        }
    }

    private static int send(WebSocketTestClient sender, String to, int from, int count) {
        for (int n = from + 1; n <= from + count; n++) {
            sender.chat(to, "n" + n, Integer.toString(n));
        }
        return from + count;
    }

    @Test
    void boshThroughNginxSpeaksHttp2AndIsLoggedUnderTheBrowsersAddressWhateverItClaims() throws Exception {
        try (HttpClient http = browser(); LogCapture log = LogCapture.start()) {
            HttpRequest creation = HttpRequest.newBuilder(nginx.boshUri()).timeout(WAIT)
                    .header("Content-Type", "text/xml; charset=utf-8").header("X-Forwarded-For", "198.51.100.66")
                    .POST(HttpRequest.BodyPublishers.ofString("<body xmlns='http://jabber.org/protocol/httpbind' "
                            + "xmlns:xmpp='urn:xmpp:xbosh' rid='1000' to='" + LocalProsody.DOMAIN + "' wait='10' "
                            + "hold='1' ver='1.11' xmpp:version='1.0'/>", StandardCharsets.UTF_8)).build();
            HttpResponse<String> response = http.send(creation, HttpResponse.BodyHandlers.ofString());
            XmlElement body = BoshTestClient.parse(response.body());

            assertEquals(HttpClient.Version.HTTP_2, response.version(), "TLS with ALPN h2 at nginx");
            assertTrue(body.attribute("sid").isPresent(), "a session: " + body);
            assertEquals(BROWSER, log.events().stream()
                    .filter(e -> e.getFormattedMessage().startsWith("BOSH session created")).findFirst()
                    .orElseThrow().getMDCPropertyMap().get(SessionLog.CLIENT));
            http.send(HttpRequest.newBuilder(nginx.boshUri()).POST(HttpRequest.BodyPublishers.ofString(
                    "<body xmlns='http://jabber.org/protocol/httpbind' rid='1001' sid='" + body.attribute("sid")
                            .orElseThrow() + "' type='terminate'/>")).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    @Test
    void aWebSocketThroughNginxIsUpgradedAndLoggedUnderTheBrowsersAddress() throws Exception {
        CompletableFuture<String> opened = new CompletableFuture<>();
        try (HttpClient http = browser(); LogCapture log = LogCapture.start()) {
            WebSocket socket = http.newWebSocketBuilder().subprotocols("xmpp").header("X-Forwarded-For",
                    "198.51.100.66").buildAsync(nginx.websocketUri(), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            opened.complete(data.toString());
                            webSocket.request(1);
                            return null;
                        }
                    }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            socket.sendText("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='" + LocalProsody.DOMAIN
                    + "' version='1.0'/>", true);

            assertTrue(opened.get(WAIT.toSeconds(), TimeUnit.SECONDS).contains("<open"), "the stream opened");
            assertEquals("xmpp", socket.getSubprotocol());
            assertEquals(BROWSER, log.events().stream()
                    .filter(e -> e.getFormattedMessage().startsWith("WebSocket session")).findFirst()
                    .orElseThrow().getMDCPropertyMap().get(SessionLog.CLIENT));
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void hostMetaThroughNginxNamesTheHttpsAndWssEndpoints() throws Exception {
        try (HttpClient http = browser()) {
            String hostMeta = http.send(HttpRequest.newBuilder(nginx.uri("/.well-known/host-meta")).timeout(WAIT)
                    .build(), HttpResponse.BodyHandlers.ofString()).body();

            assertTrue(hostMeta.contains("https://localhost:" + LocalNginx.HTTPS_PORT + "/http-bind"), hostMeta);
            assertTrue(hostMeta.contains("wss://localhost:" + LocalNginx.HTTPS_PORT + "/xmpp-websocket"), hostMeta);
        }
    }

    @Test
    void plainHttpIsSentToHttps() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(java.net.URI.create("http://localhost:"
                    + LocalNginx.HTTP_PORT + "/http-bind")).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.discarding());

            assertEquals(301, response.statusCode());
            assertEquals("https://localhost/http-bind", response.headers().firstValue("Location").orElse(null));
        }
    }

    /** The value in seconds of {@code directive} inside {@code location path { … }} of the shipped file. */
    private static long seconds(String config, String path, String directive) {
        Matcher block = Pattern.compile("location " + Pattern.quote(path) + " \\{([^}]*)}").matcher(config);
        assertTrue(block.find(), "location " + path);
        Matcher value = Pattern.compile(directive + " (\\d+)s;").matcher(block.group(1));
        assertTrue(value.find(), directive + " in location " + path);
        return Long.parseLong(value.group(1));
    }

    @Test
    void theShippedConfigWaitsLongerThanPorticoHoldsARequestOrPingsASocket() throws Exception {
        String config = Files.readString(java.nio.file.Path.of("../conf/nginx/portico.conf"));

        assertTrue(seconds(config, "/http-bind", "proxy_read_timeout") > BoshConfig.DEFAULT.maxWait().toSeconds(),
                "BOSH: above bosh.maxWait");
        assertTrue(config.matches("(?s).*location /http-bind \\{[^}]*proxy_buffering off;.*"), "BOSH unbuffered");
        for (String directive : List.of("proxy_read_timeout", "proxy_send_timeout")) {
            assertTrue(seconds(config, "/xmpp-websocket", directive)
                    > WebSocketConfig.DEFAULT.idleTimeout().toSeconds(), directive + ": above websocket.idleTimeout"
                    + " and so above websocket.pingInterval");
        }
    }
}
