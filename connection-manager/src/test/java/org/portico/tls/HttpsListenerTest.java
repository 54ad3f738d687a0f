package org.portico.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.bosh.BoshConfig;
import org.portico.http.Http2Config;
import org.portico.http.HttpConfig;
import org.portico.server.PorticoConfig;
import org.portico.server.PorticoServer;
import org.portico.store.StoreConfig;
import org.portico.testing.InMemoryUpstream;
import org.portico.testing.TestCertificates;
import org.portico.testing.TestCertificates.Issued;
import org.portico.upstream.UpstreamConfig;
import org.portico.xml.XmlLimits;

/**
 * Portico serving HTTPS itself, beside plain HTTP: a PEM certificate or a PKCS12 key store, HTTP/2 chosen by ALPN
 * (RFC 7301, RFC 9113 §3.2) with HTTP/1.1 still offered, cleartext h2c on the plain port (RFC 9113 §3.3 prior
 * knowledge; the JDK's client upgrades with {@code Upgrade: h2c}), and host-meta (XEP-0156) advertising
 * {@code https://} and {@code wss://} to a page loaded over TLS.
 */
class HttpsListenerTest {

    @TempDir
    Path dir;

    private Issued certificate;
    private PorticoServer portico;

    @BeforeEach
    void issueACertificate() {
        certificate = TestCertificates.issue(dir, "portico-a");
    }

    @AfterEach
    void stop() {
        if (portico != null) {
            portico.close();
        }
    }

    private PorticoServer start(TlsConfig tls, UnaryOperator<Http2Config.Builder> http2) throws Exception {
        PorticoConfig config = new PorticoConfig(HttpConfig.builder().port(0).build(), BoshConfig.DEFAULT,
                UpstreamConfig.builder().build(), XmlLimits.DEFAULT, new StoreConfig(10))
                .withTls(tls, http2.apply(Http2Config.builder()).build());
        portico = new PorticoServer(config, new InMemoryUpstream.Factory()).start();
        return portico;
    }

    private TlsConfig pem() {
        return TlsConfig.builder().port(0).certificate(certificate.certificate()).privateKey(certificate.privateKey())
                .build();
    }

    private HttpResponse<String> get(URI uri, HttpClient.Version version) throws Exception {
        return send(HttpRequest.newBuilder(uri), version);
    }

    private HttpResponse<String> send(HttpRequest.Builder request, HttpClient.Version version) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(version)
                .sslContext(TestCertificates.trusting(certificate)).connectTimeout(Duration.ofSeconds(5)).build()) {
            return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private URI https(String path) {
        return URI.create("https://localhost:" + portico.tlsPort() + path);
    }

    @Test
    void aPemCertificateServesHostMetaOverHttp2WithSecureEndpointLinks() throws Exception {
        start(pem(), b -> b);

        HttpResponse<String> response = get(https("/.well-known/host-meta.json"), HttpClient.Version.HTTP_2);

        assertEquals(200, response.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, response.version(), "ALPN chose h2");
        assertTrue(response.body().contains("\"https://localhost:" + portico.tlsPort() + "/http-bind\""),
                response.body());
        assertTrue(response.body().contains("\"wss://localhost:" + portico.tlsPort() + "/xmpp-websocket\""),
                response.body());
        assertEquals(certificate.x509(), response.sslSession().orElseThrow().getPeerCertificates()[0]);
    }

    /**
     * A BOSH answer over HTTP/2 keeps the policy that stops a browser from running it as a page: its field reaches
     * the client with the name lower-cased, as HTTP/2 requires (RFC 9113 §8.2), and its value whole.
     */
    @Test
    void aBoshAnswerOverHttp2CarriesTheInertDocumentPolicy() throws Exception {
        start(pem(), b -> b);

        HttpResponse<String> response = send(HttpRequest.newBuilder(https("/http-bind")).POST(HttpRequest.BodyPublishers
                .ofString("<body rid='1' sid='none' xmlns='http://jabber.org/protocol/httpbind'/>")),
                HttpClient.Version.HTTP_2);

        assertEquals(HttpClient.Version.HTTP_2, response.version());
        assertTrue(response.body().contains("item-not-found"), response.body());
        assertEquals("default-src 'none'; sandbox",
                response.headers().firstValue("content-security-policy").orElse(""), response.headers().toString());
    }

    @Test
    void aPkcs12KeyStoreServesTheSameCertificate() throws Exception {
        start(TlsConfig.builder().port(0).keyStore(certificate.keyStore()).keyStorePassword(TestCertificates.PASSWORD)
                .build(), b -> b);

        HttpResponse<String> response = get(https("/.well-known/host-meta.json"), HttpClient.Version.HTTP_2);

        assertEquals(200, response.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, response.version());
        assertEquals(certificate.x509(), response.sslSession().orElseThrow().getPeerCertificates()[0]);
    }

    @Test
    void aClientAskingForHttp11OverTlsGetsIt() throws Exception {
        start(pem(), b -> b);

        HttpResponse<String> response = get(https("/.well-known/host-meta.json"), HttpClient.Version.HTTP_1_1);

        assertEquals(200, response.statusCode());
        assertEquals(HttpClient.Version.HTTP_1_1, response.version());
    }

    /** The JDK's HTTP/1.1 client sends no ALPN at all; a browser offers h2 and http/1.1, curl --http1.1 this. */
    @Test
    void aClientOfferingOnlyHttp11ByAlpnNegotiatesIt() throws Exception {
        start(pem(), b -> b);

        try (SSLSocket socket = (SSLSocket) TestCertificates.trusting(certificate).getSocketFactory()
                .createSocket("localhost", portico.tlsPort())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"http/1.1"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();

            assertEquals("http/1.1", socket.getApplicationProtocol());
            socket.getOutputStream().write(("GET /.well-known/host-meta HTTP/1.1\r\nHost: localhost\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        }
    }

    @Test
    void withHttp2OffOverTlsAlpnSettlesOnHttp11() throws Exception {
        start(pem(), b -> b.tls(false));

        HttpResponse<String> response = get(https("/.well-known/host-meta.json"), HttpClient.Version.HTTP_2);

        assertEquals(200, response.statusCode());
        assertEquals(HttpClient.Version.HTTP_1_1, response.version(), "h2 is not offered");
    }

    @Test
    void withCleartextHttp2OnThePlainPortSpeaksItToAClientThatAsksForIt() throws Exception {
        start(TlsConfig.DEFAULT, b -> b.cleartext(true));

        HttpResponse<String> response = get(URI.create("http://127.0.0.1:" + portico.port()
                + "/.well-known/host-meta.json"), HttpClient.Version.HTTP_2);

        assertEquals(200, response.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, response.version(), "upgraded to h2c");
        assertTrue(response.body().contains("\"http://127.0.0.1:" + portico.port() + "/http-bind\""),
                response.body());
        assertEquals(-1, portico.tlsPort(), "no HTTPS listener without key material");
    }

    @Test
    void byDefaultThePlainPortStaysOnHttp11EvenForAClientOfferingH2c() throws Exception {
        start(TlsConfig.DEFAULT, b -> b);

        HttpResponse<String> response = get(URI.create("http://127.0.0.1:" + portico.port()
                + "/.well-known/host-meta.json"), HttpClient.Version.HTTP_2);

        assertEquals(HttpClient.Version.HTTP_1_1, response.version());
    }

    @Test
    void theShippedConfigurationDocumentsEveryTlsAndHttp2Key() throws Exception {
        String text = Files.readString(Path.of("../conf/portico.properties"));

        for (String key : new String[] {"tls.host", "tls.port", "tls.keyStore", "tls.keyStorePassword",
                "tls.certificate", "tls.privateKey", "tls.reloadInterval", "http2.tls", "http2.cleartext",
                "http2.maxConcurrentStreams", "http2.websocket"}) {
            assertTrue(text.contains("\n# " + key + " ("), key + " documented");
        }
    }
}
