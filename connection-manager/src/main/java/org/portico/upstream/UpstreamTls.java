package org.portico.upstream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The client side of upstream TLS: which certificates are trusted and how a plain socket is wrapped after
 * {@code <proceed/>} (RFC 6120 §5.4.3.3). The reference identity is the XMPP domain, never the SRV target or
 * configured host (RFC 6120 §13.7.2.1, RFC 6125 §6): it is the SNI name and, when {@code verifyHostname} is on, the
 * name checked by the JDK's "HTTPS" endpoint identification (DNS-ID subjectAltName, wildcard in the left-most
 * label). XMPP-specific identifiers (SRV-ID, XmppAddr) are not checked.
 *
 * <p>Immutable after construction; one instance per connector, shared by all streams.
 */
final class UpstreamTls {

    private final SSLSocketFactory factory;
    private final boolean verifyHostname;

    private UpstreamTls(SSLSocketFactory factory, boolean verifyHostname) {
        this.factory = factory;
        this.verifyHostname = verifyHostname;
    }

    /**
     * Builds the TLS client of a configuration.
     *
     * @throws IllegalArgumentException when the trust store cannot be read, naming the file and the reason
     */
    static UpstreamTls create(UpstreamConfig config) {
        try {
            KeyStore trust = config.trustStore() == null
                    ? null : loadTrustStore(config.trustStore(), config.trustStorePassword());
            TrustManagerFactory trustManagers =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers.getTrustManagers(), null);
            return new UpstreamTls(context.getSocketFactory(), config.verifyHostname());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "upstream.trustStore " + config.trustStore() + " cannot be loaded: " + e.getMessage(), e);
        }
    }

    /** A PEM file of certificates, or any keystore type the JDK recognises (PKCS12, JKS). */
    static KeyStore loadTrustStore(Path path, String password) throws IOException, GeneralSecurityException {
        byte[] bytes = Files.readAllBytes(path);
        if (!new String(bytes, StandardCharsets.ISO_8859_1).contains("-----BEGIN CERTIFICATE-----")) {
            return KeyStore.getInstance(path.toFile(), password == null ? null : password.toCharArray());
        }
        Collection<? extends Certificate> certificates =
                CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + path);
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int index = 0;
        for (Certificate certificate : certificates) {
            store.setCertificateEntry("pem-" + index++, certificate);
        }
        return store;
    }

    /**
     * Layers TLS over the connected socket, in client mode, without handshaking yet. Closing the returned socket
     * closes the plain one.
     *
     * @param domain the XMPP domain: SNI name and reference identity
     */
    SSLSocket layer(Socket plain, String domain) throws IOException {
        SSLSocket socket = (SSLSocket) factory.createSocket(plain, domain, plain.getPort(), true);
        socket.setUseClientMode(true);
        SSLParameters parameters = socket.getSSLParameters();
        if (verifyHostname) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        try {
            parameters.setServerNames(List.of(new SNIHostName(domain)));
        } catch (IllegalArgumentException notAHostName) {
            // an IP-literal domain has no SNI (RFC 6066 §3); the certificate is still checked against it
        }
        socket.setSSLParameters(parameters);
        return socket;
    }
}
