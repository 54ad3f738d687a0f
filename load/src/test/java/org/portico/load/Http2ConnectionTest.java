package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The generator's HTTP/2 client (RFC 9113, h2c with prior knowledge) against Jetty's HTTP/2 server, as Portico
 * runs it: its lanes share one connection, each request a stream, and answers of every shape come back to the lane
 * that asked.
 */
@Timeout(30)
class Http2ConnectionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What the lanes' handler was told, in order, each prefixed by the lane's name. */
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    /** What the server saw of each request, by its body. */
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private Server server;
    private ServerConnector connector;
    private Http2Connection connection;

    @BeforeEach
    void startServer() throws Exception {
        server = new Server();
        HttpConfiguration configuration = new HttpConfiguration();
        connector = new ServerConnector(server, new HttpConnectionFactory(configuration),
                new HTTP2CServerConnectionFactory(configuration));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String body = Content.Source.asString(request, StandardCharsets.UTF_8);
                seen.put(body, request.getConnectionMetaData().getHttpVersion() + " "
                        + request.getConnectionMetaData().getId() + " " + request.getHeaders());
                if (body.equals("<hold/>")) {
                    released.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
                byte[] answer = ("<body>" + body + "</body>").getBytes(StandardCharsets.UTF_8);
                if (body.startsWith("<status ")) {
                    response.setStatus(Integer.parseInt(body.substring(8, 11)));
                } else if (body.equals("<large/>")) {
                    answer = ("<body>" + "x".repeat(100_000) + "</body>").getBytes(StandardCharsets.UTF_8);
                } else if (body.equals("<gzip/>")) {
                    ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
                    try (GZIPOutputStream out = new GZIPOutputStream(gzipped)) {
                        out.write(answer);
                    }
                    answer = gzipped.toByteArray();
                    response.getHeaders().put(HttpHeader.CONTENT_ENCODING, "gzip");
                }
                // the held request is answered once the release's answer is written
                Callback written = body.equals("<release/>")
                        ? Callback.from(() -> {
                            released.countDown();
                            callback.succeeded();
                        }, callback::failed)
                        : callback;
                response.write(true, ByteBuffer.wrap(answer), written);
                return true;
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() throws Exception {
        server.stop();
    }

    private RequestLane.Handler handler(String name) {
        return new RequestLane.Handler() {
            @Override
            public void answered(RequestLane lane, int status, String body) {
                events.add(name + " " + status + " " + body);
            }

            @Override
            public void ended(RequestLane lane, boolean resendable, String reason) {
                events.add(name + " ended resendable=" + resendable);
            }
        };
    }

    private Http2Connection connect(BrowserHabits habits) throws Exception {
        URI endpoint = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/http-bind");
        connection = new Http2Connection(endpoint, TIMEOUT, TIMEOUT, habits);
        return connection;
    }

    private String next() throws InterruptedException {
        String event = events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(event, "nothing told within " + TIMEOUT);
        return event;
    }

    @Test
    void twoLanesCarryTheirRequestsAtOnceAsStreamsOfOneConnection_RFC9113_5() throws Exception {
        Http2Connection http2 = connect(BrowserHabits.NONE);
        RequestLane held = http2.lane(handler("held"));
        RequestLane other = http2.lane(handler("other"));
        held.post("<hold/>");
        other.post("<release/>");
        assertEquals("other 200 <body><release/></body>", next(), "the second stream overtakes the held one");
        assertEquals("held 200 <body><hold/></body>", next());
        String first = seen.get("<hold/>");
        String second = seen.get("<release/>");
        assertTrue(first.startsWith("HTTP/2.0 "), first);
        assertEquals(first.split(" ")[1], second.split(" ")[1], "one connection");
        held.post("<again/>");
        assertEquals("held 200 <body><again/></body>", next(), "a lane carries one request after another");
        assertTrue(seen.get("<again/>").contains("content-length: 8"), seen.get("<again/>"));
    }

    @Test
    void statusesInAndOutsideTheStaticTableReachTheirLane_RFC7541() throws Exception {
        RequestLane lane = connect(BrowserHabits.NONE).lane(handler("lane"));
        for (String status : new String[] {"404", "403", "429", "503", "307"}) {
            lane.post("<status " + status + "/>");
            assertEquals("lane " + status + " <body><status " + status + "/></body>", next());
        }
    }

    @Test
    void gzippedAndLargeAnswersAreReadWhole() throws Exception {
        RequestLane lane = connect(new BrowserHabits(true, false, true)).lane(handler("lane"));
        lane.post("<gzip/>");
        assertEquals("lane 200 <body><gzip/></body>", next());
        assertTrue(lane.gzipped());
        assertTrue(seen.get("<gzip/>").contains("accept-encoding: gzip"), seen.get("<gzip/>"));
        lane.post("<large/>");
        assertEquals("lane 200 <body>" + "x".repeat(100_000) + "</body>", next(), "several DATA frames");
    }

    @Test
    void aBrowsersHeadersGoButNotTheConnectionSpecificOnes_RFC9113_8_2_2() throws Exception {
        RequestLane lane = connect(new BrowserHabits(false, true, true)).lane(handler("lane"));
        lane.post("<headers/>");
        assertEquals("lane 200 <body><headers/></body>", next(), "Jetty refuses a stream with a Connection field");
        String request = seen.get("<headers/>");
        assertTrue(request.contains("sec-fetch-mode: cors"), request);
        assertTrue(request.contains("user-agent: Mozilla/5.0"), request);
        assertFalse(request.toLowerCase().contains("keep-alive"), request);
    }

    @Test
    void theConnectionClosesWithItsLastLaneAndTellsTheOthersWhenTheServerGoes() throws Exception {
        Http2Connection http2 = connect(BrowserHabits.NONE);
        RequestLane first = http2.lane(handler("first"));
        RequestLane second = http2.lane(handler("second"));
        first.post("<one/>");
        assertEquals("first 200 <body><one/></body>", next());
        first.close();
        assertTrue(http2.open(), "a lane is still open");
        second.post("<hold/>");
        server.stop();
        assertTrue(next().startsWith("second "), "the held request is told its end");
        assertFalse(second.open());
        assertFalse(http2.open());
    }
}
