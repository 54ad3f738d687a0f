package org.portico.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed server certificates for {@code localhost} and {@code 127.0.0.1}, made by Debian's {@code openssl}
 * (the demo's prerequisite) in a folder of the test's: the PEM certificate and PKCS#8 key certbot would write, and
 * the same pair as a PKCS12 key store. A test installs one as Portico's key material and then another in its place,
 * to see Portico pick the new one up.
 */
public final class TestCertificates {

    /** The password of every PKCS12 key store made here. */
    public static final String PASSWORD = "portico-test";

    /** One made certificate: its files, and the certificate itself to compare with what a handshake presents. */
    public record Issued(String name, Path certificate, Path privateKey, Path keyStore, X509Certificate x509) {

        /** Base64 of the SHA-256 of the public key, as Chromium's {@code --ignore-certificate-errors-spki-list}. */
        public String spkiSha256() {
            try {
                return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(
                        x509.getPublicKey().getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private TestCertificates() {
    }

    /** Makes a certificate named {@code name} (its CN) in {@code folder}: {@code name.crt}, {@code .key}, {@code .p12}. */
    public static Issued issue(Path folder, String name) {
        Path certificate = folder.resolve(name + ".crt");
        Path key = folder.resolve(name + ".key");
        Path keyStore = folder.resolve(name + ".p12");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", key.toString(), "-out", certificate.toString());
        openssl("pkcs12", "-export", "-in", certificate.toString(), "-inkey", key.toString(), "-name", name,
                "-passout", "pass:" + PASSWORD, "-out", keyStore.toString());
        return new Issued(name, certificate, key, keyStore, read(certificate));
    }

    /**
     * Makes a certificate named {@code name} signed by {@code issuer}'s key (an intermediate, in a chain test);
     * {@code name.crt} holds it alone.
     */
    public static Issued issueSignedBy(Path folder, String name, Issued issuer) {
        Path certificate = folder.resolve(name + ".crt");
        Path key = folder.resolve(name + ".key");
        Path request = folder.resolve(name + ".csr");
        Path extensions = folder.resolve(name + ".ext");
        try {
            Files.writeString(extensions, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                "/CN=" + name, "-keyout", key.toString(), "-out", request.toString());
        openssl("x509", "-req", "-in", request.toString(), "-CA", issuer.certificate().toString(), "-CAkey",
                issuer.privateKey().toString(), "-days", "2", "-extfile", extensions.toString(), "-out",
                certificate.toString());
        return new Issued(name, certificate, key, null, read(certificate));
    }

    /**
     * Puts {@code source}'s file in place of {@code target} as a renewal does: written beside it, then moved over it
     * in one step, so Portico never reads a half-written file.
     */
    public static void replace(Path source, Path target) {
        try {
            Path staged = target.resolveSibling(target.getFileName() + ".new");
            Files.copy(source, staged, StandardCopyOption.REPLACE_EXISTING);
            Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TLS client context that trusts exactly these certificates. */
    public static SSLContext trusting(Issued... certificates) {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            for (Issued issued : certificates) {
                trusted.setCertificateEntry(issued.name(), issued.x509());
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void openssl(String... arguments) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("openssl (Debian's openssl package) is needed to make test certificates",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
