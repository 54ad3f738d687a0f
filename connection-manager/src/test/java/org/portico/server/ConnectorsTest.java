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
        RetainableByteBuffer buffer = Connectors.bufferPool().acquire(HttpConfig.DEFAULT.inputBufferBytes(), true);
        try {
            assertEquals(2048, buffer.capacity());
        } finally {
            buffer.release();
        }
    }

    @Test
    void aWebSocketReadBufferOfOneKibibyteIsNotRoundedUp() {
        RetainableByteBuffer buffer = Connectors.bufferPool().acquire(1024, true);
        try {
            assertEquals(1024, buffer.capacity());
        } finally {
            buffer.release();
        }
    }
}
