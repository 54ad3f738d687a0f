package org.portico.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.testing.TestCertificates;
import org.portico.testing.TestCertificates.Issued;

/** PEM files as certbot writes them become a key store; files that would serve the wrong thing are refused. */
class PemKeyStoreTest {

    private static final char[] PASSWORD = "memory".toCharArray();

    @TempDir
    Path dir;

    @Test
    void aChainAndItsPkcs8KeyBecomeOneKeyEntry() throws Exception {
        Issued intermediate = TestCertificates.issue(dir, "intermediate");
        Issued server = TestCertificates.issueSignedBy(dir, "server", intermediate);
        Path chain = dir.resolve("fullchain.pem");
        Files.writeString(chain, Files.readString(server.certificate()) + Files.readString(
                intermediate.certificate()));

        KeyStore store = PemKeyStore.load(chain, server.privateKey(), PASSWORD);

        Certificate[] loaded = store.getCertificateChain(PemKeyStore.ALIAS);
        assertArrayEquals(new Certificate[] {server.x509(), intermediate.x509()}, loaded);
        assertTrue(store.isKeyEntry(PemKeyStore.ALIAS));
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        Issued one = TestCertificates.issue(dir, "one");
        Issued two = TestCertificates.issue(dir, "two");

        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> PemKeyStore.load(one.certificate(), two.privateKey(), PASSWORD));

        assertTrue(e.getMessage().contains("does not belong to the first certificate"), e.getMessage());
    }

    @Test
    void aKeyInAnotherPemFormIsRefusedWithTheCommandThatConvertsIt() throws Exception {
        Issued one = TestCertificates.issue(dir, "one");
        Path sec1 = dir.resolve("ec.key");
        Files.writeString(sec1, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");

        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> PemKeyStore.load(one.certificate(), sec1, PASSWORD));

        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), e.getMessage());
    }

    @Test
    void aFileWithoutCertificatesIsRefused() throws Exception {
        Issued one = TestCertificates.issue(dir, "one");

        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> PemKeyStore.load(one.privateKey(), one.privateKey(), PASSWORD));

        assertTrue(e.getMessage().contains(one.privateKey().toString()), e.getMessage());
    }
}
