package org.portico.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Portico's HTTPS listener ({@code tls.*} in {@code conf/portico.properties}). It is on when key material is
 * configured: either a PKCS12 key store, or a PEM certificate chain with its private key, never both.
 *
 * @param host             address to bind; default {@code 127.0.0.1}
 * @param port             port to bind (0 picks a free one, for tests); default 7443
 * @param keyStore         PKCS12 key store holding the private key and its certificate chain; default none
 * @param keyStorePassword password of the key store and of the key in it; default empty
 * @param certificate      PEM file with the certificate chain, the server's own certificate first (certbot's
 *                         {@code fullchain.pem}); default none
 * @param privateKey       PEM file with the certificate's unencrypted private key, PKCS#8
 *                         ({@code -----BEGIN PRIVATE KEY-----}, certbot's {@code privkey.pem}); default none
 * @param reloadInterval   how often the files are checked for changes; a change seen on two checks in a row is
 *                         loaded into new handshakes without a restart. Whole seconds (Jetty's scanner counts in
 *                         seconds); 0 never checks; default 60 s
 */
public record TlsConfig(String host, int port, Path keyStore, String keyStorePassword, Path certificate,
        Path privateKey, Duration reloadInterval) {

    /** No HTTPS listener. */
    public static final TlsConfig DEFAULT = builder().build();

    public TlsConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("tls.host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("tls.port must be between 0 and 65535, was " + port);
        }
        if (reloadInterval == null || reloadInterval.isNegative() || reloadInterval.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("tls.reloadInterval must be whole seconds (0s to never check), was "
                    + reloadInterval);
        }
        keyStorePassword = keyStorePassword == null ? "" : keyStorePassword;
        if (keyStore != null && (certificate != null || privateKey != null)) {
            throw new IllegalArgumentException("set either tls.keyStore, or tls.certificate with tls.privateKey, "
                    + "not both");
        }
        if ((certificate == null) != (privateKey == null)) {
            throw new IllegalArgumentException("tls.certificate and tls.privateKey go together: "
                    + (certificate == null ? "tls.privateKey" : "tls.certificate") + " is set, the other is not");
        }
        requireReadable("tls.keyStore", keyStore);
        requireReadable("tls.certificate", certificate);
        requireReadable("tls.privateKey", privateKey);
    }

    private static void requireReadable(String key, Path file) {
        if (file != null && !Files.isReadable(file)) {
            throw new IllegalArgumentException(key + " names a file that does not exist or cannot be read: " + file);
        }
    }

    /** Whether Portico serves HTTPS: key material is configured. */
    public boolean enabled() {
        return keyStore != null || certificate != null;
    }

    /** Whether the key material is PEM files rather than a key store. */
    public boolean pem() {
        return certificate != null;
    }

    /** Starts from the defaults documented on each component. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts from these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder().host(host).port(port).keyStore(keyStore).keyStorePassword(keyStorePassword)
                .certificate(certificate).privateKey(privateKey).reloadInterval(reloadInterval);
    }

    @Override
    public String toString() {
        // never the password
        return "TlsConfig[" + host + ":" + port + " " + (pem() ? certificate + " + " + privateKey : keyStore)
                + " reload " + reloadInterval + "]";
    }

    /** Mutable staging for a {@link TlsConfig}, named field by field; {@link #build()} validates. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 7443;
        private Path keyStore;
        private String keyStorePassword = "";
        private Path certificate;
        private Path privateKey;
        private Duration reloadInterval = Duration.ofSeconds(60);

        private Builder() {
        }

        public Builder host(String value) {
            host = value;
            return this;
        }

        public Builder port(int value) {
            port = value;
            return this;
        }

        public Builder keyStore(Path value) {
            keyStore = value;
            return this;
        }

        public Builder keyStorePassword(String value) {
            keyStorePassword = value;
            return this;
        }

        public Builder certificate(Path value) {
            certificate = value;
            return this;
        }

        public Builder privateKey(Path value) {
            privateKey = value;
            return this;
        }

        public Builder reloadInterval(Duration value) {
            reloadInterval = value;
            return this;
        }

        public TlsConfig build() {
            return new TlsConfig(host, port, keyStore, keyStorePassword, certificate, privateKey, reloadInterval);
        }
    }
}
