package org.portico.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.util.Scanner;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS listener's certificate, kept current: Jetty's {@link SslContextFactory.Server} with the key material of a
 * {@link TlsConfig}, and a watch of its files. This does what Jetty's {@code KeyStoreScanner} does — a
 * {@link Scanner} over the files' folder, then {@link SslContextFactory#reload} — for PEM files too, which that
 * scanner cannot: it watches one key store file, while a PEM certificate and its key are two, and certbot renews by
 * pointing the symbolic links in {@code live/} at new files. The folders are scanned rather than the files, so a
 * replaced file or a re-pointed link is seen. New handshakes get the new certificate; connections already open keep
 * theirs.
 *
 * <p>The key material is read by this class, not by Jetty, and checked before it replaces the current one: files
 * caught half-written by a renewal (a key that does not match the certificate yet) are refused with one warning, the
 * old certificate stays, and the next change is tried again. The scanner's thread is the only writer.
 */
public final class ServerCertificates extends ContainerLifeCycle implements Scanner.BulkListener {

    private static final Logger log = LoggerFactory.getLogger(ServerCertificates.class);

    private final TlsConfig config;
    private final SslContextFactory.Server sslContextFactory = new SslContextFactory.Server();
    /** The password of the in-memory key store: Jetty needs one, and it never leaves this process. */
    private final String memoryPassword;
    private final Set<Path> files;
    private final AtomicInteger reloads = new AtomicInteger();

    /**
     * Reads the key material once, so a bad file stops start-up with the reason.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public ServerCertificates(TlsConfig config) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("no tls.keyStore or tls.certificate configured");
        }
        this.config = config;
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        this.memoryPassword = config.pem() ? Base64.getEncoder().encodeToString(random) : config.keyStorePassword();
        Set<Path> watched = new LinkedHashSet<>();
        for (Path file : config.pem() ? new Path[] {config.certificate(), config.privateKey()}
                : new Path[] {config.keyStore()}) {
            watched.add(file.toAbsolutePath().normalize());
        }
        this.files = Collections.unmodifiableSet(watched);

        KeyStore keyStore;
        try {
            keyStore = read();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS key material cannot be used: " + e.getMessage(), e);
        }
        sslContextFactory.setKeyStore(keyStore);
        sslContextFactory.setKeyStorePassword(memoryPassword);
        // HTTP/2 forbids the weaker ciphers (RFC 9113 §9.2.2): offer the ones it accepts first
        sslContextFactory.setCipherComparator(HTTP2Cipher.COMPARATOR);
        addBean(sslContextFactory);
        log.info("TLS certificate {}", describe(keyStore));

        if (!config.reloadInterval().isZero()) {
            Scanner scanner = new Scanner(null, false);
            scanner.setScanInterval((int) config.reloadInterval().toSeconds());
            scanner.setScanDepth(1);
            scanner.setReportDirs(false);
            scanner.setReportExistingFilesOnStartup(false);
            for (Path folder : files.stream().map(Path::getParent).distinct().toList()) {
                scanner.addDirectory(folder);
            }
            scanner.addListener(this);
            addBean(scanner);
        }
    }

    /** What Jetty's TLS connection factory is given. */
    public SslContextFactory.Server sslContextFactory() {
        return sslContextFactory;
    }

    /** How many times the key material was replaced since start. */
    public int reloads() {
        return reloads.get();
    }

    /** Called by the scanner with the files of the watched folders that changed; reloads once per scan. */
    @Override
    public void pathsChanged(Map<Path, Scanner.Notification> changed) {
        if (changed.keySet().stream().map(path -> path.toAbsolutePath().normalize()).noneMatch(files::contains)) {
            return;
        }
        KeyStore keyStore;
        try {
            keyStore = read();
        } catch (IOException | GeneralSecurityException | UncheckedIOException e) {
            log.warn("TLS key material changed but cannot be used, still serving the previous certificate: {}",
                    e.getMessage());
            return;
        }
        try {
            sslContextFactory.reload(factory -> factory.setKeyStore(keyStore));
        } catch (Exception e) {
            log.warn("TLS key material changed but Jetty refused it, still serving the previous certificate: {}",
                    e.toString());
            return;
        }
        reloads.incrementAndGet();
        log.info("TLS certificate reloaded: {}", describe(keyStore));
    }

    private KeyStore read() throws IOException, GeneralSecurityException {
        if (config.pem()) {
            return PemKeyStore.load(config.certificate(), config.privateKey(), memoryPassword.toCharArray());
        }
        KeyStore keyStore = KeyStore.getInstance(config.keyStore().toFile(), memoryPassword.toCharArray());
        for (String alias : Collections.list(keyStore.aliases())) {
            if (keyStore.isKeyEntry(alias)) {
                return keyStore;
            }
        }
        throw new GeneralSecurityException(config.keyStore() + " holds no private key with a certificate");
    }

    /** The first key entry's subject and expiry, for the log. */
    private static String describe(KeyStore keyStore) {
        try {
            for (String alias : Collections.list(keyStore.aliases())) {
                if (keyStore.getCertificate(alias) instanceof X509Certificate certificate && keyStore.isKeyEntry(
                        alias)) {
                    return certificate.getSubjectX500Principal().getName() + ", valid until "
                            + certificate.getNotAfter().toInstant();
                }
            }
            return "(no key entry)";
        } catch (GeneralSecurityException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return "ServerCertificates[" + files + " reloads=" + reloads + "]";
    }
}
