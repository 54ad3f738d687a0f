package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The load generator's HTTP/1.1 connection for BOSH (RFC 9112): it writes a whole POST with its length, reads
 * responses sized by Content-Length or chunked (§6.3, §7.1) one after another on the same connection, and tells a
 * connection the server closed between responses (a stale kept-alive one, whose request may be sent again) from one
 * that ended inside a response.
 */
@Timeout(30)
class HttpConnectionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What the handler was told, in order. */
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final RequestLane.Handler handler = new RequestLane.Handler() {
        @Override
        public void answered(RequestLane connection, int status, String body) {
            events.add(status + " " + body);
        }

        @Override
        public void ended(RequestLane connection, boolean resendable, String reason) {
            events.add("ended resendable=" + resendable);
        }
    };

    @Test
    void writesAPostWithItsLengthAndReadsKeptAliveResponsesOfBothFramings() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HttpConnection connection = new HttpConnection(uri(server), TIMEOUT, TIMEOUT, BrowserHabits.NONE, handler);
            try (Socket accepted = server.accept()) {
                accepted.setSoTimeout((int) TIMEOUT.toMillis());
                InputStream in = accepted.getInputStream();
                connection.post("<body rid='1'/>");
                String request = readRequest(in);
                assertTrue(request.startsWith("POST /http-bind HTTP/1.1\r\n"), request);
                assertTrue(request.contains("\r\nContent-Length: 15\r\n"), request);
                assertTrue(request.endsWith("\r\n\r\n<body rid='1'/>"), request);
                write(accepted, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 9\r\n\r\n<body/>\u00e9");
                assertEquals("200 <body/>\u00e9", next());

                connection.post("<body rid='2'/>");
                readRequest(in);
                write(accepted, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n<bod\r\n3;x=y\r\ny/>\r\n0\r\n\r\n");
                assertEquals("200 <body/>", next());

                connection.post("<body rid='3'/>");
                readRequest(in);
                write(accepted, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                assertEquals("404 ", next());
            }
            assertEquals("ended resendable=true", next(), "closed between responses: a stale kept-alive connection");
        }
    }

    @Test
    void aClientWithABrowsersHabitsSendsItsHeadersAndReadsGzippedResponses_Rfc9110Section8_4() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HttpConnection connection = new HttpConnection(uri(server), TIMEOUT, TIMEOUT,
                    new BrowserHabits(true, true, false), handler);
            try (Socket accepted = server.accept()) {
                accepted.setSoTimeout((int) TIMEOUT.toMillis());
                InputStream in = accepted.getInputStream();
                connection.post("<body rid='1'/>");
                String request = readRequest(in);
                assertTrue(request.contains("\r\nAccept-Encoding: gzip\r\n"), request);
                assertTrue(request.contains("\r\nUser-Agent: Mozilla/5.0 ") && request.contains("\r\nOrigin: http://"
                        + "127.0.0.1:" + server.getLocalPort() + "\r\n"), "a browser's headers: " + request);
                write(accepted, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n<body/>");
                assertEquals("200 <body/>", next());
                assertFalse(connection.gzipped(), "a server may answer without compressing");

                connection.post("<body rid='2'/>");
                readRequest(in);
                ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
                try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
                    gzip.write("<body><message/></body>".getBytes(StandardCharsets.UTF_8));
                }
                OutputStream out = accepted.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + gzipped.size()
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(gzipped.toByteArray());
                assertEquals("200 <body><message/></body>", next());
                assertTrue(connection.gzipped());
            }
        }
    }

    @Test
    void aConnectionThatEndsInsideAResponseIsNotAtABoundary() throws Exception {
        answerOnePost("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n<body", connection -> { });
        assertEquals("ended resendable=false", next(), "told once the server closed its end");
    }

    @Test
    void aNewConnectionClosedBeforeItsFirstAnswerIsNotResent() throws Exception {
        answerOnePost("", connection -> { });
        assertEquals("ended resendable=false", next(), "the request itself may be what the server refused");
    }

    @Test
    void connectionCloseEndsTheConnectionAfterItsResponse() throws Exception {
        answerOnePost("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 7\r\n\r\n<body/>", connection -> {
            // the server still has its end open: the client ends the connection because the response said so
            assertEquals("200 <body/>", next());
            assertEquals("ended resendable=true", next());
            assertFalse(connection.open());
        });
    }

    /** What a test checks while the server's end of the connection is still open. */
    private interface WhileOpen {
        void check(HttpConnection connection) throws Exception;
    }

    /** A server that reads one POST on a new connection and writes {@code response}; then closes its end. */
    private void answerOnePost(String response, WhileOpen whileOpen) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HttpConnection connection = new HttpConnection(uri(server), TIMEOUT, TIMEOUT, BrowserHabits.NONE, handler);
            try (Socket accepted = server.accept()) {
                connection.post("<body rid='1'/>");
                readRequest(accepted.getInputStream());
                write(accepted, response);
                whileOpen.check(connection);
            }
        }
    }

    private String next() throws InterruptedException {
        String event = events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(event != null, "the handler was told nothing");
        return event;
    }

    private static URI uri(ServerSocket server) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/http-bind");
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    /** The head up to the empty line, then as many body bytes as its Content-Length says. */
    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection ended inside a request head");
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int at = text.indexOf("Content-Length: ") + "Content-Length: ".length();
        int length = Integer.parseInt(text.substring(at, text.indexOf("\r\n", at)));
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
