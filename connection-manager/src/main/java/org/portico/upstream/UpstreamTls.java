package org.portico.upstream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
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
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * The client side of upstream TLS: which certificates are trusted and the engine that secures a plain connection
 * after {@code <proceed/>} (RFC 6120 §5.4.3.3). The reference identity is the XMPP domain, never the SRV target or
 * configured host (RFC 6120 §13.7.2.1, RFC 6125 §6): it is the SNI name and, when {@code verifyHostname} is on, the
 * name checked by the JDK's "HTTPS" endpoint identification (DNS-ID subjectAltName, wildcard in the left-most
 * label). XMPP-specific identifiers (SRV-ID, XmppAddr) are not checked.
 *
 * <p>Immutable after construction; one instance per connector, shared by all streams.
 */
final class UpstreamTls {

    private final SSLContext context;
    private final boolean verifyHostname;

    private UpstreamTls(SSLContext context, boolean verifyHostname) {
        this.context = context;
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
            return new UpstreamTls(context, config.verifyHostname());
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
     * An engine in client mode for a connection to the server of {@code domain} on {@code port}, not handshaking
     * yet. The domain is also the engine's peer host, which the JDK checks the certificate against when there is no
     * SNI name, as for an IP literal.
     *
     * @param domain the XMPP domain: SNI name and reference identity
     */
    SSLEngine engine(String domain, int port) {
        SSLEngine engine = context.createSSLEngine(domain, port);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        if (verifyHostname) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        try {
            parameters.setServerNames(List.of(new SNIHostName(domain)));
        } catch (IllegalArgumentException notAHostName) {
            // an IP-literal domain has no SNI (RFC 6066 §3); the certificate is still checked against it
        }
        engine.setSSLParameters(parameters);
        return engine;
    }
}
