package org.portico.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.http.Http2Config;
import org.portico.http.HttpConfig;
import org.portico.testing.TestCertificates;
import org.portico.testing.TestCertificates.Issued;
import org.portico.tls.TlsConfig;

/**
 * The listeners' connection factories. http.inputBufferBytes: Jetty keeps an HTTP/1.1 connection's read buffer while
 * its request is unanswered, so every held BOSH request (XEP-0124 §7) costs that buffer; it is the configured size,
 * not Jetty's 8 KiB rounded to 4 KiB. And no work per HTTP/2 request for a protocol Portico does not serve.
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

    /**
     * RFC 7838: Jetty's HTTP/2 factories add a customizer that looks for an HTTP/3 connector to advertise on every
     * HTTP/2 request, copying the server's connector list each time. Portico has no HTTP/3 connector, so no
     * listener's configuration keeps it, with HTTP/2 both in cleartext and over TLS.
     */
    @Test
    void noListenerLooksForAnHttp3ConnectorToAdvertise(@TempDir Path dir) throws Exception {
        Issued certificate = TestCertificates.issue(dir, "localhost");
        TlsConfig tls = TlsConfig.builder().port(0).certificate(certificate.certificate())
                .privateKey(certificate.privateKey()).build();
        Server server = new Server(new QueuedThreadPool(), null, Connectors.bufferPool());
        new Connectors(server, HttpConfig.builder().port(0).build(), tls,
                Http2Config.builder().cleartext(true).build());

        List<HttpConfiguration> configurations = Arrays.stream(server.getConnectors())
                .flatMap(connector -> connector.getConnectionFactories().stream())
                .<HttpConfiguration>mapMulti((factory, configuration) -> {
                    if (factory instanceof HttpConnectionFactory http1) {
                        configuration.accept(http1.getHttpConfiguration());
                    } else if (factory instanceof AbstractHTTP2ServerConnectionFactory http2) {
                        configuration.accept(http2.getHttpConfiguration());
                    }
                })
                .toList();
        assertEquals(4, configurations.size(), "HTTP/1.1 and h2c in cleartext, HTTP/1.1 and h2 over TLS");
        assertTrue(configurations.stream().flatMap(configuration -> configuration.getCustomizers().stream())
                .noneMatch(HTTP2ServerConnectionFactory.AltSvcCustomizer.class::isInstance));
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
