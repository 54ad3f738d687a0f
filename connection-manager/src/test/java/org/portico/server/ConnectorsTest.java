package org.portico.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.portico.http.Http2Config;
import org.portico.http.HttpConfig;
import org.portico.tls.TlsConfig;

/**
 * http.inputBufferBytes: Jetty keeps an HTTP/1.1 connection's read buffer while its request is unanswered, so every
 * held BOSH request (XEP-0124 §7) costs that buffer; it is the configured size, not Jetty's 8 KiB rounded to 4 KiB.
 */
class ConnectorsTest {

    @Test
    void httpConnectionsReadIntoABufferOfTheConfiguredSize() {
        Server server = new Server(new QueuedThreadPool(), null, Connectors.bufferPool());
        new Connectors(server, HttpConfig.builder().port(0).inputBufferBytes(3072).build(), TlsConfig.DEFAULT,
                Http2Config.DEFAULT);

        HttpConnectionFactory http1 = ((ServerConnector) server.getConnectors()[0])
                .getConnectionFactory(HttpConnectionFactory.class);
        assertEquals(3072, http1.getInputBufferSize());
    }

    @Test
    void theDefaultReadBufferIsTwoKibibytes() {
        assertEquals(2048, HttpConfig.DEFAULT.inputBufferBytes());
    }

    @Test
    void theBufferPoolHandsOutTheSizeAskedForInKibibyteSteps() {
        assertEquals(2048, pooledCapacity(HttpConfig.DEFAULT.inputBufferBytes()));
    }

    @Test
    void aWebSocketReadBufferOfOneKibibyteIsNotRoundedUp() {
        assertEquals(1024, pooledCapacity(1024));
    }

    /** The capacity of the direct buffer Portico's pool hands out for {@code asked} bytes. */
    private static int pooledCapacity(int asked) {
        RetainableByteBuffer buffer = Connectors.bufferPool().acquire(asked, true);
        try {
            return buffer.capacity();
        } finally {
            buffer.release();
        }
    }
}
