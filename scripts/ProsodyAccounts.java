import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Writes Prosody accounts straight into its data directory, as {@code authentication = "internal_hashed"} keeps
 * them (SCRAM-SHA-1, RFC 5802 §3: the salted password's stored and server keys), for a server that is not running.
 * {@code prosodyctl register} takes about half a second an account, which makes the thousands of accounts of a
 * load benchmark (scripts/bench-load.sh) an hour's wait; this takes the key derivation's time only.
 *
 * <pre>java scripts/ProsodyAccounts.java ACCOUNTS_DIR ITERATIONS USER...</pre>
 *
 * Each USER gets the password USERpw, as scripts/upstream-start.sh gives every test account; an existing account
 * file is left as it is.
 */
public final class ProsodyAccounts {

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: java ProsodyAccounts.java ACCOUNTS_DIR ITERATIONS USER...");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        int iterations = Integer.parseInt(args[1]);
        List<String> users = List.of(args).subList(2, args.length);
        users.parallelStream().forEach(user -> {
            Path file = dir.resolve(user + ".dat");
            if (Files.exists(file)) {
                return;
            }
            try {
                Path partial = dir.resolve(user + ".dat.tmp");
                Files.writeString(partial, account(user + "pw", UUID.randomUUID().toString(), iterations));
                Files.move(partial, file);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("account " + user + ": " + e, e);
            }
        });
    }

    /** The account file's Lua table: Prosody's util.sasl.scram keys for this password, salt and count. */
    static String account(String password, String salt, int iterations) throws GeneralSecurityException {
        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1").generateSecret(new PBEKeySpec(
                password.toCharArray(), salt.getBytes(StandardCharsets.UTF_8), iterations, 160)).getEncoded();
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = MessageDigest.getInstance("SHA-1").digest(clientKey);
        byte[] serverKey = hmac(salted, "Server Key");
        HexFormat hex = HexFormat.of();
        return "return {\n"
                + "\t[\"stored_key\"] = \"" + hex.formatHex(storedKey) + "\";\n"
                + "\t[\"server_key\"] = \"" + hex.formatHex(serverKey) + "\";\n"
                + "\t[\"salt\"] = \"" + salt + "\";\n"
                + "\t[\"iteration_count\"] = " + iterations + ";\n"
                + "};\n";
    }

    private static byte[] hmac(byte[] key, String message) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key, "HmacSHA1"));
        return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    }
}
