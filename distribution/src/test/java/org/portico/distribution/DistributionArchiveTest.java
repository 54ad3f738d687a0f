package org.portico.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.testing.LocalProsody;
import org.portico.testing.TestCertificates;
import org.portico.testing.TestCertificates.Issued;

/**
 * The archive {@code ./mvnw package} builds, used as an operator would: unpacked, started with {@code bin/portico}
 * and nothing but a JDK, pointed at the local Prosody through {@code PORTICO_*} overrides of its own
 * {@code conf/portico.properties}, with HTTPS on. It must create a BOSH session (XEP-0124 §7.1, the server's stream
 * features relayed per XEP-0206), answer over HTTP/2 on its HTTPS port, and stop cleanly on SIGTERM (what systemd
 * and a container runtime send).
 */
class DistributionArchiveTest {

    private static final Path ARCHIVE = Path.of(System.getProperty("portico.distribution",
            "target/portico-0.1.0-SNAPSHOT.tar.gz"));
    private static final Duration START_WITHIN = Duration.ofSeconds(60);
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(3);
    private static final Pattern LISTENING = Pattern.compile(
            "Portico listening on http://127\\.0\\.0\\.1:(\\d+) and https://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern LISTENING_PLAIN =
            Pattern.compile("Portico listening on http://127\\.0\\.0\\.1:(\\d+)");
    /** How long a stop may take when it also writes the ahead-of-time cache (a child JVM assembles it). */
    private static final Duration STOP_WRITING_CACHE_WITHIN = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private Process portico;

    @AfterEach
    void stopWhateverIsLeft() throws InterruptedException {
        if (portico != null && portico.isAlive()) {
            portico.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theUnpackedArchiveRunsWithOnlyAJdkServesBoshAndHttp2AndStopsCleanlyOnSigterm() throws Exception {
        LocalProsody.assumeRunning();
        assertTrue(Files.isRegularFile(ARCHIVE), "the archive is built by package: " + ARCHIVE);
        Path home = unpack();
        for (String file : List.of("bin/portico", "bin/portico-jvm-options", "bin/portico-aot-option",
                "conf/portico.properties",
                "conf/logback.xml", "conf/systemd/portico.service", "LICENSE")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file + " is in the archive");
        }
        for (String script : List.of("bin/portico", "bin/portico-jvm-options", "bin/portico-aot-option")) {
            assertTrue(Files.getPosixFilePermissions(home.resolve(script)).contains(
                    PosixFilePermission.OWNER_EXECUTE), script + " is executable");
        }
        assertTrue(Files.list(home.resolve("lib")).anyMatch(jar -> jar.getFileName().toString().startsWith(
                "connection-manager-")), "Portico's jar is in lib/");

        Issued certificate = TestCertificates.issue(dir, "packaged");
        Path output = dir.resolve("portico.out");
        Map<String, String> environment = operatorEnvironment();
        environment.put("PORTICO_CFG_TLS_PORT", "0");
        // the BOSH session below is never polled again, so the drain waits the whole grace for it to collect its
        // system-shutdown answer: short here, so that the stop is timed by the grace and not by the default 30 s
        environment.put("PORTICO_CFG_ADMIN_DRAINGRACE", DRAIN_GRACE.toSeconds() + "s");
        environment.put("PORTICO_CFG_TLS_CERTIFICATE", certificate.certificate().toString());
        environment.put("PORTICO_CFG_TLS_PRIVATEKEY", certificate.privateKey().toString());
        environment.put("PORTICO_CFG_UPSTREAM_DOMAIN_LOCALHOST", LocalProsody.HOST + ":" + LocalProsody.PORT
                + " required");
        environment.put("PORTICO_CFG_UPSTREAM_TRUSTSTORE", LocalProsody.certificate().toString());
        Path gcLog = dir.resolve("gc.log");
        environment.put("PORTICO_JAVA_OPTS", "-Xlog:gc:file=" + gcLog);
        start(home, environment, output);

        Matcher listening = awaitListening(output, LISTENING);
        int httpPort = Integer.parseInt(listening.group(1));
        int httpsPort = Integer.parseInt(listening.group(2));

        try (HttpClient client = HttpClient.newBuilder().sslContext(TestCertificates.trusting(certificate))
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> created = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + httpPort + "/http-bind")).version(HttpClient.Version.HTTP_1_1)
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "text/xml; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.ofString("<body content='text/xml; charset=utf-8' hold='1' "
                            + "rid='1000' to='" + LocalProsody.DOMAIN + "' ver='1.11' wait='5' xml:lang='en' "
                            + "xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' "
                            + "xmlns:xmpp='urn:xmpp:xbosh'/>")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, created.statusCode(), created.body());
            assertTrue(created.body().contains(" sid="), "a session: " + created.body());
            assertTrue(created.body().contains("mechanisms"), "Prosody's stream features: " + created.body());

            HttpResponse<String> hostMeta = client.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                    + httpsPort + "/.well-known/host-meta.json")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, hostMeta.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, hostMeta.version(), "ALPN works from lib/ too");
        }
        // bin/portico-jvm-options: where the kernel hands out huge pages on request, the heap is in them
        if (kernelHandsOutHugePages()) {
            assertTrue(anonymousHugePagesKib(portico.pid()) > 0, "the heap in transparent huge pages");
        }

        portico.destroy(); // SIGTERM
        assertTrue(portico.waitFor(DRAIN_GRACE.toSeconds() + 20, TimeUnit.SECONDS),
                "stopped within the drain grace and 20 s more");
        assertEquals(143, portico.exitValue(), "the JVM's exit after SIGTERM (128 + 15)");
        String log = Files.readString(output, StandardCharsets.UTF_8);
        assertTrue(log.contains("stopping"), log);
        assertTrue(log.contains("drained in ") && log.contains("sessions told to leave: 1"), log);
        assertTrue(log.lines().noneMatch(line -> line.contains(" ERROR ") || line.startsWith("\tat ")
                || line.contains("Exception")), "no error or stack trace:\n" + log);
        // bin/portico-jvm-options: loading the classes of TLS, HTTP/2 and a BOSH session started no collection,
        // whose marking would have shrunk the heap just as the sessions came
        String collections = Files.readString(gcLog, StandardCharsets.UTF_8);
        assertTrue(collections.contains("Using G1"), collections);
        assertFalse(collections.contains("Metadata GC Threshold"), collections);
    }

    /**
     * bin/portico's {@code PORTICO_AOT_CACHE} (Java 25+): the first run records the JVM's ahead-of-time cache and
     * writes it when it stops, the next run starts with it mapped, and a run after lib/ changed records it anew,
     * since the JVM would silently run without a cache made for another class path (docs/benchmarks.md, "JDK 25's
     * ahead-of-time cache"). A cache cut off while it was written, as by a run killed at its stop timeout, is
     * recorded anew too: the JVM would refuse it on every start, with four error lines.
     */
    @Test
    void anAheadOfTimeCacheIsRecordedByTheFirstRunUsedByTheNextAndRecordedAnewWhenCutOffOrLibChanges()
            throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the cache's options are Java 25's");
        Path home = unpack();
        Path cache = dir.resolve("cache").resolve("portico.aot");
        Files.createDirectories(cache.getParent());
        Map<String, String> environment = operatorEnvironment();
        environment.put("PORTICO_CFG_UPSTREAM_DOMAIN_LOCALHOST", "127.0.0.1:5222 disabled");
        environment.put("PORTICO_AOT_CACHE", cache.toString());

        runUntilListening(home, environment, "recording.out");
        assertTrue(commandLine(portico.pid()).contains("-XX:AOTCacheOutput=" + cache), "the first run records");
        stopWritingCache();
        assertTrue(Files.isRegularFile(cache) && Files.size(cache) > 0, "written when the first run stopped");
        try (FileChannel written = FileChannel.open(cache, StandardOpenOption.WRITE)) {
            written.truncate(written.size() / 2);
        }

        runUntilListening(home, environment, "recording-after-cut-off.out");
        assertTrue(commandLine(portico.pid()).contains("-XX:AOTCacheOutput=" + cache),
                "a cache cut off while it was written (the run killed) is recorded anew, not refused on every start");
        stopWritingCache();

        runUntilListening(home, environment, "using.out");
        assertTrue(commandLine(portico.pid()).contains("-XX:AOTCache=" + cache), "the next run starts with it");
        assertTrue(Files.readString(Path.of("/proc", Long.toString(portico.pid()), "maps"))
                .contains(cache.toString()), "and the JVM mapped it");
        stopWritingCache();
        String using = Files.readString(dir.resolve("using.out"), StandardCharsets.UTF_8);
        assertFalse(using.contains("[aot]"), "the JVM had nothing to say about the cache: " + using);

        try (var jars = Files.list(home.resolve("lib"))) {
            Files.setLastModifiedTime(jars.findFirst().orElseThrow(), FileTime.fromMillis(0));
        }
        runUntilListening(home, environment, "recording-again.out");
        assertTrue(commandLine(portico.pid()).contains("-XX:AOTCacheOutput=" + cache), "a changed lib/ records anew");
        stopWritingCache();
    }

    private void runUntilListening(Path home, Map<String, String> environment, String outputName)
            throws IOException {
        Path output = dir.resolve(outputName);
        start(home, environment, output);
        awaitListening(output, LISTENING_PLAIN);
    }

    /** Nothing but a JDK and the system's tools, as an operator's shell; every port picked free. */
    private static Map<String, String> operatorEnvironment() {
        Map<String, String> environment = new HashMap<>();
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.put("PATH", "/usr/bin:/bin");
        environment.put("PORTICO_CFG_HTTP_PORT", "0");
        environment.put("PORTICO_CFG_ADMIN_PORT", "0");
        return environment;
    }

    /** {@code bin/portico} with exactly this environment, its output to {@code output}. */
    private void start(Path home, Map<String, String> environment, Path output) throws IOException {
        ProcessBuilder command = new ProcessBuilder(home.resolve("bin/portico").toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
        command.environment().clear();
        command.environment().putAll(environment);
        portico = command.start();
    }

    private void stopWritingCache() throws InterruptedException {
        portico.destroy(); // SIGTERM
        assertTrue(portico.waitFor(STOP_WRITING_CACHE_WITHIN.toSeconds(), TimeUnit.SECONDS),
                "stopped, the cache written, within " + STOP_WRITING_CACHE_WITHIN);
    }

    /** The JVM's command line: bin/portico execs java, so the process is the JVM itself. */
    private static String commandLine(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                StandardCharsets.UTF_8).replace('\0', ' ');
    }

    /** Whether the kernel gives transparent huge pages to a process that asks ({@code madvise} or {@code always}). */
    private static boolean kernelHandsOutHugePages() throws IOException {
        Path setting = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (!Files.isReadable(setting)) {
            return false;
        }
        String mode = Files.readString(setting, StandardCharsets.UTF_8);
        return mode.contains("[madvise]") || mode.contains("[always]");
    }

    /** The process's anonymous memory in transparent huge pages ({@code AnonHugePages} of its smaps_rollup), in kB. */
    private static long anonymousHugePagesKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
            if (line.startsWith("AnonHugePages:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no AnonHugePages in /proc/" + pid + "/smaps_rollup");
    }

    private Path unpack() throws IOException, InterruptedException {
        Process tar = new ProcessBuilder("tar", "-xzf", ARCHIVE.toAbsolutePath().toString(), "-C", dir.toString())
                .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar: " + output);
        String folder = ARCHIVE.getFileName().toString().replaceFirst("\\.tar\\.gz$", "");
        return dir.resolve(folder);
    }

    /** Reads Portico's output until it says where it listens; fails with the output if it exits or takes too long. */
    private Matcher awaitListening(Path output, Pattern listeningLine) throws IOException {
        long deadline = System.nanoTime() + START_WITHIN.toNanos();
        while (true) {
            String text = Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
            Matcher matcher = listeningLine.matcher(text);
            if (matcher.find()) {
                return matcher;
            }
            assertTrue(portico.isAlive(), "Portico exited with " + (portico.isAlive() ? "" : portico.exitValue())
                    + ":\n" + text);
            assertTrue(System.nanoTime() - deadline < 0, "Portico did not start within " + START_WITHIN + ":\n"
                    + text);
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }
}
