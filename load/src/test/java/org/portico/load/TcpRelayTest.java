package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The c2s-relay target's relay (issue 10's floor of relaying): every byte reaches the other side in order, both
 * ways, also when the reader is slower than the writer (the relay's own backlog), and an end closed on one side
 * closes the other.
 */
@Timeout(30)
class TcpRelayTest {

    /** More than loopback's socket buffers hold, so the relay has to keep what its peer cannot take yet. */
    private static final int BYTES = 8 * 1024 * 1024;
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    @Test
    void relaysEveryByteInOrderBothWaysThroughABacklog() throws Exception {
        byte[] sent = new byte[BYTES];
        new Random(7).nextBytes(sent);
        try (ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                TcpRelay relay = new TcpRelay(0, upstream.getLocalPort())) {
            Thread relaying = Thread.ofPlatform().daemon().start(() -> runQuietly(relay));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), relay.port());
                    Socket server = upstream.accept()) {
                // a lost byte must fail the test, not block it: @Timeout's interrupt does not end a socket read
                client.setSoTimeout(READ_TIMEOUT_MILLIS);
                server.setSoTimeout(READ_TIMEOUT_MILLIS);
                // the server reads only once the relay has had to keep a write back: the backlog path is taken
                CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> write(client, sent));
                while (relay.keptWrites() == 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                byte[] atServer = server.getInputStream().readNBytes(BYTES);
                writing.get(20, TimeUnit.SECONDS);
                assertArrayEquals(sent, atServer);
                CompletableFuture<Void> echoing = CompletableFuture.runAsync(() -> write(server, atServer));
                assertArrayEquals(sent, client.getInputStream().readNBytes(BYTES));
                echoing.get(20, TimeUnit.SECONDS);

                server.close();
                assertEquals(-1, client.getInputStream().read(), "the client's end closes with the server's");
            }
            relay.close();
            relaying.join(10_000);
            assertEquals(false, relaying.isAlive(), "close() ends run()");
        }
    }

    @Test
    void aClientClosingClosesItsServerConnection() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                TcpRelay relay = new TcpRelay(0, upstream.getLocalPort())) {
            Thread.ofPlatform().daemon().start(() -> runQuietly(relay));
            Socket client = new Socket(InetAddress.getLoopbackAddress(), relay.port());
            try (Socket server = upstream.accept()) {
                server.setSoTimeout(READ_TIMEOUT_MILLIS);
                client.close();
                InputStream in = server.getInputStream();
                assertEquals(-1, in.read());
            }
        }
    }

    private static void write(Socket socket, byte[] bytes) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void runQuietly(TcpRelay relay) {
        try {
            relay.run();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
