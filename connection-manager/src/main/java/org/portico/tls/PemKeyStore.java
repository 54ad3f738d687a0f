package org.portico.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A key store built in memory from PEM files, with the JDK alone (Jetty 12.1 reads key stores only): the certificate
 * chain as certbot's {@code fullchain.pem} holds it, and an unencrypted PKCS#8 private key ({@code privkey.pem}).
 * The key must belong to the first certificate; that is checked by signing with the one and verifying with the
 * other, so a renewal caught between writing the two files is refused instead of served.
 */
final class PemKeyStore {

    /** The alias of the one key entry. */
    static final String ALIAS = "portico";

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    /** The algorithms a PKCS#8 key is tried with; the encoding names its own, but the JDK does not read it out. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

    private PemKeyStore() {
    }

    /**
     * @param password the password the key entry gets in the returned store
     * @throws GeneralSecurityException naming the file at fault when a file holds no usable certificate or key,
     *                                  or the key does not belong to the certificate
     */
    static KeyStore load(Path certificateFile, Path keyFile, char[] password) throws IOException,
            GeneralSecurityException {
        X509Certificate[] chain = certificates(certificateFile);
        PrivateKey key = privateKey(keyFile);
        requireMatch(key, chain[0].getPublicKey(), certificateFile, keyFile);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(ALIAS, key, password, chain);
        return store;
    }

    private static X509Certificate[] certificates(Path file) throws IOException, GeneralSecurityException {
        List<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(file)) {
            certificates = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        } catch (CertificateException e) {
            throw new GeneralSecurityException(file + " holds no readable PEM certificate: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException(file + " holds no PEM certificate");
        }
        return certificates.toArray(X509Certificate[]::new);
    }

    private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        Matcher block = BLOCK.matcher(Files.readString(file, StandardCharsets.US_ASCII));
        while (block.find()) {
            String type = block.group(1);
            if (type.equals("PRIVATE KEY")) {
                return pkcs8(Base64.getMimeDecoder().decode(block.group(2)), file);
            }
            if (type.endsWith("PRIVATE KEY")) {
                throw new GeneralSecurityException(file + " holds a " + type + ", which Portico cannot read: convert "
                        + "it to an unencrypted PKCS#8 key with `openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName()
                        + " -out key.pem`");
            }
        }
        throw new GeneralSecurityException(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }

    private static PrivateKey pkcs8(byte[] der, Path file) throws GeneralSecurityException {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm's key; try the next
            }
        }
        throw new GeneralSecurityException(file + " holds a private key of none of the algorithms " + KEY_ALGORITHMS);
    }

    private static void requireMatch(PrivateKey key, PublicKey certified, Path certificateFile, Path keyFile)
            throws GeneralSecurityException {
        byte[] sample = new byte[32];
        new SecureRandom().nextBytes(sample);
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // EdDSA signs with the key's own name
        };
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(sample);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(sample);
            matches = verifier.verify(signature);
        } catch (InvalidKeyException | SignatureException e) {
            matches = false; // the certificate's key is of another algorithm than the private key
        }
        if (!matches) {
            throw new GeneralSecurityException("the private key in " + keyFile + " does not belong to the first "
                    + "certificate in " + certificateFile);
        }
    }
}
