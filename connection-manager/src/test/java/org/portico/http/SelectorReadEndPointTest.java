package org.portico.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SelectorReadEndPoint#fill}: a read that took less than the buffer's room emptied the socket, so the read
 * after it answers nothing without asking the kernel (Jetty's read loop made that second read a system call
 * returning {@code EAGAIN} after every WebSocket frame and BOSH request). Loopback TCP has the bytes of a write in
 * the peer's receive queue when the write returns, so each case knows what the socket holds. That a frame arriving
 * after the answer of nothing is still read, once the selector reports it, is what every WebSocket and BOSH
 * end-to-end test relies on.
 */
class SelectorReadEndPointTest {

    private ServerSocketChannel listener;
    private SocketChannel client;
    private SelectorReadEndPoint endPoint;

    @BeforeEach
    void connect() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = SocketChannel.open(listener.getLocalAddress());
        SocketChannel accepted = listener.accept();
        accepted.configureBlocking(false);
        endPoint = new SelectorReadEndPoint(accepted, null, null, new ScheduledExecutorScheduler());
    }

    @AfterEach
    void close() throws IOException {
        endPoint.close();
        client.close();
        listener.close();
    }

    @Test
    void theReadAfterAShortReadAnswersNothingAndTheOneAfterThatReadsOn() throws IOException {
        send("<message/>");
        ByteBuffer buffer = BufferUtil.allocate(1024);
        assertEquals(10, endPoint.fill(buffer), "less than the buffer's room: the socket is empty");

        send("<iq/>");
        assertEquals(0, endPoint.fill(buffer), "answered without a read, though bytes have come since");
        assertEquals(5, endPoint.fill(buffer), "the caller asked again (after the selector's report): read");
        assertEquals("<message/><iq/>", BufferUtil.toString(buffer, StandardCharsets.US_ASCII));
    }

    @Test
    void aReadThatFilledTheBufferIsFollowedByARead() throws IOException {
        send("<presence/>");
        ByteBuffer buffer = BufferUtil.allocate(4);
        assertEquals(4, endPoint.fill(buffer), "as much as the buffer had room for: there may be more");

        BufferUtil.clear(buffer);
        assertEquals(4, endPoint.fill(buffer));
    }

    @Test
    void theEndOfTheConnectionAfterAShortReadIsReadAfterTheAnswerOfNothing() throws IOException {
        send("<r/>");
        ByteBuffer buffer = BufferUtil.allocate(1024);
        assertEquals(4, endPoint.fill(buffer));
        client.close();

        assertEquals(0, endPoint.fill(buffer));
        assertEquals(-1, endPoint.fill(buffer), "not lost: the selector reports a socket at its end as readable");
    }

    @Test
    void nothingToReadIsAskedOfTheKernel() throws IOException {
        assertEquals(0, endPoint.fill(BufferUtil.allocate(1024)), "no bytes: a read that returned nothing");
        send("<a/>");
        assertEquals(4, endPoint.fill(BufferUtil.allocate(1024)), "so the next fill reads");
    }

    private void send(String text) throws IOException {
        client.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }
}
