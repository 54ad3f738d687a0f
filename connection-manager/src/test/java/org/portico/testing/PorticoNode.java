package org.portico.testing;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * One Portico cluster node as its own process ({@code org.portico.server.Portico --config FILE}, this JVM's class
 * path), in front of the local Prosody, on the {@link ClusterPorts} of node {@code n}: what an operator runs, so that
 * killing it ({@link #kill}, SIGKILL) is a real node's death and {@code POST /drain} a real rolling restart. Its
 * configuration file and log (conf/logback.xml at INFO) are under {@code target/cluster/}.
 */
public final class PorticoNode implements AutoCloseable {

    private static final Duration START = Duration.ofSeconds(60);
    private static final Path DIR = Path.of("target/cluster");

    private final int index;
    private final int size;
    private Process process;
    private int starts;
    private Path log;
    private long launchedAt;
    private Duration readyAfter;

    private PorticoNode(int index, int size) {
        this.index = index;
        this.size = size;
    }

    /** Node {@code index} of a cluster of {@code size}; not started yet. */
    public static PorticoNode of(int index, int size) {
        return new PorticoNode(index, size);
    }

    public String name() {
        return "node" + index;
    }

    public int httpPort() {
        return ClusterPorts.http(index);
    }

    public AdminClient admin() {
        return new AdminClient(ClusterPorts.admin(index));
    }

    /** The configuration file: every key from conf/portico.properties that a cluster node sets. */
    private String properties() {
        String members = String.join(",", IntStream.range(0, size)
                .mapToObj(n -> "127.0.0.1:" + ClusterPorts.jgroups(n)).toList());
        return String.join("\n",
                "http.host = 127.0.0.1",
                "http.port = " + httpPort(),
                "http.demo = false",
                "http.shutdownRedirect = http://127.0.0.1:" + ClusterPorts.balancer(),
                "admin.port = " + ClusterPorts.admin(index),
                "admin.drainGrace = 10s",
                "upstream.domain." + LocalProsody.DOMAIN + " = " + LocalProsody.HOST + ":" + LocalProsody.PORT
                        + " required",
                "upstream.trustStore = " + LocalProsody.certificate().toAbsolutePath(),
                "store.maxSessions = 5000",
                "cluster.enabled = true",
                "cluster.name = portico-test",
                "cluster.nodeName = " + name(),
                "cluster.bind = 127.0.0.1:" + ClusterPorts.jgroups(index),
                "cluster.members = " + members,
                "cluster.failureDetectionOffset = " + ClusterPorts.FAILURE_DETECTION_OFFSET,
                "cluster.internalUrl = http://127.0.0.1:" + httpPort(),
                "");
    }

    /**
     * Starts the process and waits until its admin listener says it is ready (cluster joined, upstream up, and, when
     * it is alone in its view, another member joined or {@code cluster.formTimeout} passed).
     */
    public PorticoNode start() throws Exception {
        return launch().awaitReady();
    }

    /**
     * Starts the process and waits until its admin listener answers at all ({@code /healthz}): it listens once the
     * node has joined (or founded) the cluster. Then start the next node, and {@link #awaitReady} once they all run:
     * the first node of a cold start is not ready while it is alone in its view.
     */
    public PorticoNode launch() throws Exception {
        Files.createDirectories(DIR);
        Path config = DIR.resolve(name() + ".properties");
        Files.writeString(config, properties());
        log = DIR.resolve(name() + "-" + (++starts) + ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) {
            // Infinispan's ProtoStream reads fields through sun.misc.Unsafe, which JDK 24 and later warn about
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-Dlogback.configurationFile=../conf/logback.xml", "-cp",
                System.getProperty("java.class.path"), "org.portico.server.Portico", "--config", config.toString()));
        launchedAt = System.nanoTime();
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await("/healthz", "answer");
        return this;
    }

    /** Waits until the launched node's {@code /readyz} answers 200. */
    public PorticoNode awaitReady() throws Exception {
        await("/readyz", "become ready");
        readyAfter = Duration.ofNanos(System.nanoTime() - launchedAt);
        return this;
    }

    /** How long the last start took from the process' launch to its first 200 on {@code /readyz}. */
    public Duration readyAfter() {
        return readyAfter;
    }

    private void await(String path, String what) throws Exception {
        long deadline = launchedAt + START.toNanos();
        try (AdminClient admin = admin()) {
            while (!answers200(admin, path)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new AssertionError(name() + " did not " + what + ": " + Files.readString(log));
                }
                Thread.sleep(100);
            }
        }
    }

    private static boolean answers200(AdminClient admin, String path) throws InterruptedException {
        try {
            HttpResponse<String> answer = admin.get(path);
            return answer.statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL: no drain, no goodbye to anyone; the operating system closes its sockets. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** A graceful stop through the admin listener ({@code POST /drain}); returns once the process exited. */
    public void drain(Duration patience) throws Exception {
        try (AdminClient admin = admin()) {
            int status = admin.post("/drain").statusCode();
            if (status != 202) {
                throw new AssertionError(name() + ": POST /drain answered " + status);
            }
        }
        if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name() + " did not exit within " + patience + " of its drain");
        }
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** Kills the process if it still runs: a test never leaves one behind. */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "PorticoNode[" + name() + " http " + httpPort() + (alive() ? "" : " stopped") + "]";
    }
}
