package org.portico.interop;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The JavaScript side of the interop suite: Node.js, the npm packages pinned by {@code src/test/js/package-lock.json}
 * (installed with {@code npm ci} when the lock file changed since the last install), and one Node process per
 * client library and transport whose report is read back as JSON lines.
 */
final class NodeClients {

    /** Where package.json, the lock file and the scripts are; Surefire runs in the module's directory. */
    static final Path JS = Path.of(System.getProperty("user.dir"), "src", "test", "js");
    /** Each run's stdout (the report) and stderr (the library's and the script's diagnostics). */
    static final Path LOGS = Path.of(System.getProperty("user.dir"), "target", "js-clients");
    /** @xmpp/client 0.14 declares Node.js 20.10 or newer; playwright-core 1.65 needs 20. */
    private static final int[] NODE_AT_LEAST = {20, 10};
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final Pattern VERSION = Pattern.compile("v(\\d+)\\.(\\d+)\\.");

    private NodeClients() {
    }

    /**
     * Skips the calling test with the reason unless Node.js 20.10+ and npm are installed; under
     * {@code scripts/test.sh} ({@code portico.e2e.required=true}) fails instead, so CI cannot pass without them.
     * Then installs the pinned packages if they are not installed yet.
     */
    static synchronized void install() throws IOException, InterruptedException {
        require(nodeProblem());
        Path lock = JS.resolve("package-lock.json");
        Path stamp = JS.resolve("node_modules").resolve(".portico-lock-sha256");
        String wanted = sha256(Files.readAllBytes(lock));
        if (Files.isReadable(stamp) && Files.readString(stamp).equals(wanted)) {
            return;
        }
        Files.createDirectories(LOGS);
        Path log = LOGS.resolve("npm-ci.log");
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                .directory(JS.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!npm.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            npm.destroyForcibly();
            Assertions.fail("npm ci did not finish within " + INSTALL_TIMEOUT + "; see " + log);
        }
        Assertions.assertEquals(0, npm.exitValue(), () -> "npm ci failed; see " + log);
        Files.writeString(stamp, wanted);
    }

    /**
     * Skips the calling test when {@code problem} is not null; under {@code scripts/test.sh}
     * ({@code portico.e2e.required=true}) fails it instead, so CI cannot pass with a part of the suite skipped.
     */
    static void require(String problem) {
        if (Boolean.parseBoolean(System.getProperty("portico.e2e.required", System.getenv("PORTICO_E2E_REQUIRED")))) {
            Assertions.assertNull(problem, problem);
        } else {
            Assumptions.assumeTrue(problem == null, problem);
        }
    }

    private static String nodeProblem() {
        String version;
        try {
            Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            version = new String(node.getInputStream().readAllBytes(), UTF_8).trim();
            node.waitFor(30, TimeUnit.SECONDS);
            Process npm = new ProcessBuilder("npm", "--version").redirectErrorStream(true).start();
            npm.getInputStream().readAllBytes();
            if (npm.waitFor(30, TimeUnit.SECONDS) && npm.exitValue() != 0) {
                return "npm does not run; it comes with Debian's npm package (.ci/run installs it)";
            }
        } catch (IOException | InterruptedException e) {
            return "Node.js and npm are not installed (" + e.getMessage()
                    + "); .ci/run installs Debian's nodejs and npm";
        }
        Matcher matcher = VERSION.matcher(version);
        if (!matcher.lookingAt()) {
            return "cannot read Node.js's version from '" + version + "'";
        }
        int major = Integer.parseInt(matcher.group(1));
        int minor = Integer.parseInt(matcher.group(2));
        if (major < NODE_AT_LEAST[0] || (major == NODE_AT_LEAST[0] && minor < NODE_AT_LEAST[1])) {
            return "Node.js " + version + " is too old: the pinned client libraries need " + NODE_AT_LEAST[0] + "."
                    + NODE_AT_LEAST[1] + " or newer";
        }
        return null;
    }

    /**
     * Runs {@code node <script> <arguments>} in the JS directory with the given environment added, and returns its
     * report: every JSON line of stdout, in order. stdout and stderr are kept in {@link #LOGS}.
     */
    static Report run(String name, Map<String, String> environment, Duration timeout, String... command)
            throws IOException, InterruptedException {
        Files.createDirectories(LOGS);
        Path out = LOGS.resolve(name + ".jsonl");
        Path err = LOGS.resolve(name + ".log");
        List<String> arguments = new ArrayList<>(List.of("node"));
        arguments.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(arguments).directory(JS.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        return Report.parse(name, Files.readAllLines(out, UTF_8), finished, finished ? process.exitValue() : -1, err);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
